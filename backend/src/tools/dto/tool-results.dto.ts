import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** What the page answered one call: its output, or an error, or that the visitor denied it. */
export class ToolResultDto {
  @ApiProperty({ example: 'call_abc123', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  tool_call_id!: string;

  @ApiPropertyOptional({
    description:
      'What the tool returned (any JSON, at most TOOL_RESULT_MAX_BYTES serialized). The model reads it as data.',
  })
  @IsOptional()
  output?: unknown;

  @ApiPropertyOptional({ maxLength: 2000, description: 'The tool failed (an exception in the page): its message.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  error?: string;

  @ApiPropertyOptional({ enum: [true], description: 'The visitor refused to let the tool run (needsApproval).' })
  @IsOptional()
  @IsBoolean()
  @IsIn([true])
  denied?: true;
}

export class ToolResultsDto {
  @ApiProperty({ format: 'uuid', description: 'The answer whose calls these results are for.' })
  @IsUUID()
  assistant_message_id!: string;

  @ApiProperty({ type: [ToolResultDto], minItems: 1, maxItems: 32 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => ToolResultDto)
  results!: ToolResultDto[];
}

export class ToolResultsPendingDto {
  @ApiProperty({ type: [String], description: 'The calls of the answer still waiting for a result.' })
  pending!: string[];
}
