import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { LIMITS } from '../../sessions/dto/limits.js';

export class SendMessageDto {
  @ApiProperty({ minLength: 1, maxLength: LIMITS.messageLength, example: 'Hello, how are you?' })
  @IsString()
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
    description: "Overrides the session's system prompt for this answer; becomes the new session's prompt.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.systemPromptLength)
  system_prompt?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 2, description: 'Default DEFAULT_TEMPERATURE.' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 32000, description: 'Default DEFAULT_MAX_TOKENS.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(32000)
  max_tokens?: number;
}
