import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';
import { LIMITS } from './limits.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateSessionDto {
  @ApiPropertyOptional({ maxLength: LIMITS.titleLength, default: 'New chat', description: CLEAN_TEXT_NOTE })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsCleanText()
  @MinLength(1)
  @MaxLength(LIMITS.titleLength)
  title?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.systemPromptLength, description: CLEAN_TEXT_NOTE })
  @IsOptional()
  @IsString()
  @IsCleanText()
  @MaxLength(LIMITS.systemPromptLength)
  system_prompt?: string;
}
