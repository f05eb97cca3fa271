import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';
import { LIMITS } from '../../sessions/dto/limits.js';

export class SendMessageDto {
  @ApiProperty({
    minLength: 1,
    maxLength: LIMITS.messageLength,
    example: 'Hello, how are you?',
    description: CLEAN_TEXT_NOTE,
  })
  @IsString()
  @IsCleanText()
  @MaxLength(LIMITS.messageLength)
  @Matches(/\S/, { message: 'message must not be empty' })
  message: string;

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
