import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';
import { LIMITS } from '../../sessions/dto/limits.js';

/** POST .../messages/{id}/regenerate: the answer's settings, as in a send. */
export class RegenerateDto {
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

/** POST .../messages/{id}/edit: the question's new text. */
export class EditMessageDto extends RegenerateDto {
  @ApiProperty({ minLength: 1, maxLength: LIMITS.messageLength, description: CLEAN_TEXT_NOTE })
  @IsString()
  @IsCleanText()
  @MaxLength(LIMITS.messageLength)
  @Matches(/\S/, { message: 'message must not be empty' })
  message: string;
}
