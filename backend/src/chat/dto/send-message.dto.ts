import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';
import { LIMITS } from '../../sessions/dto/limits.js';
import { ClientToolDto } from '../../tools/dto/client-tool.dto.js';

/** A message needs words unless it carries attachments (a photo or a voice message can be the whole question). */
const NotBlankWithoutAttachments = () =>
  ValidateBy({
    name: 'notBlankWithoutAttachments',
    validator: {
      validate: (value, args) => {
        if (typeof value !== 'string') return false;
        const ids = (args?.object as { attachment_ids?: unknown } | undefined)?.attachment_ids;
        return /\S/.test(value) || (Array.isArray(ids) && ids.length > 0);
      },
      defaultMessage: () => 'message must not be empty',
    },
  });

export class SendMessageDto {
  @ApiProperty({
    minLength: 1,
    maxLength: LIMITS.messageLength,
    example: 'Hello, how are you?',
    description:
      'May be empty when `attachment_ids` is given: a voice message sent alone is stored as its transcript. ' +
      CLEAN_TEXT_NOTE,
  })
  @IsString()
  @IsCleanText()
  @MaxLength(LIMITS.messageLength)
  @NotBlankWithoutAttachments()
  message: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: LIMITS.attachmentsPerMessage,
    description:
      'Uploads (POST /api/chat/attachments) to send with the message, at most ATTACHMENTS_PER_MESSAGE ' +
      '(else 400 TOO_MANY_ATTACHMENTS). Images reach the model as image parts, documents as their text ' +
      '(or, when long, the passages that match the message), voice messages as their transcript.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.attachmentsPerMessage)
  @IsUUID(undefined, { each: true })
  attachment_ids?: string[];

  @ApiPropertyOptional({
    type: [ClientToolDto],
    maxItems: 64,
    description:
      "The host page's tools (PulseChat.registerTool), offered to the model for this answer: when it calls one, the " +
      'answer ends with `tool_calls` and continues once the page posts the results to ' +
      'POST /api/chat/sessions/{id}/tool-results. At most MAX_CLIENT_TOOLS; with ALLOWED_CLIENT_TOOLS only those names.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => ClientToolDto)
  tools?: ClientToolDto[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'An active session of yours; omitted, a new session is created.',
  })
  @IsOptional()
  @IsUUID()
  session_id?: string;

  @ApiPropertyOptional({
    maxLength: LIMITS.systemPromptLength,
    description:
      "Overrides the session's system prompt for this answer; becomes the new session's prompt. " + CLEAN_TEXT_NOTE,
  })
  @IsOptional()
  @IsString()
  @IsCleanText()
  @MaxLength(LIMITS.systemPromptLength)
  system_prompt?: string;

  // No @Type(() => Number): it would read "" as 0, true as 1 and "0x10" as 16. A JSON number or a 400.
  @ApiPropertyOptional({ minimum: 0, maximum: 2, description: 'Default DEFAULT_TEMPERATURE. A JSON number.' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 32000, description: 'Default DEFAULT_MAX_TOKENS. A JSON integer.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(32000)
  max_tokens?: number;
}
