import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { LIMITS } from './limits.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateSessionDto {
  @ApiPropertyOptional({ maxLength: LIMITS.titleLength, default: 'New chat' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.titleLength)
  title?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.systemPromptLength })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.systemPromptLength)
  system_prompt?: string;
}
