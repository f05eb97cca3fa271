import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';
import { LIMITS } from './limits.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class UpdateSessionDto {
  @ApiPropertyOptional({ maxLength: LIMITS.titleLength, description: CLEAN_TEXT_NOTE })
  // Not IsOptional: that would let `null` through to a NOT NULL column (a 500 instead of a 400).
  @ValidateIf((_o, v) => v !== undefined)
  @Transform(trim)
  @IsString()
  @IsCleanText()
  @MinLength(1)
  @MaxLength(LIMITS.titleLength)
  title?: string;

  @ApiPropertyOptional({
    maxLength: LIMITS.systemPromptLength,
    nullable: true,
    type: String,
    description: `null clears it. ${CLEAN_TEXT_NOTE}`,
  })
  @ValidateIf((_o, v) => v !== null)
  @IsOptional()
  @IsString()
  @IsCleanText()
  @MaxLength(LIMITS.systemPromptLength)
  system_prompt?: string | null;

  @ApiPropertyOptional({ description: 'false archives the session; true restores it.' })
  @ValidateIf((_o, v) => v !== undefined)
  @IsBoolean()
  is_active?: boolean;
}
