import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const TOOL_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

/** A tool the host page registered (PulseChat.registerTool): what the model is told of it, never its code. */
export class ClientToolDto {
  @ApiProperty({ pattern: TOOL_NAME_PATTERN.source, example: 'add_to_cart' })
  @IsString()
  @Matches(TOOL_NAME_PATTERN, {
    message: 'name must start with a letter and hold only letters, digits, _ and - (at most 64)',
  })
  name!: string;

  @ApiProperty({ minLength: 1, maxLength: 1024, example: "Add a product to the visitor's cart" })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  description!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'A JSON Schema of the arguments, `type: "object"`; at most 8 KB serialized and 10 levels deep.',
    example: { type: 'object', properties: { product: { type: 'string' }, quantity: { type: 'integer' } } },
  })
  @IsObject()
  parameters!: Record<string, unknown>;
}
