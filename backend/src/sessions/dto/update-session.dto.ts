import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { LIMITS } from './limits.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class UpdateSessionDto {
  @ApiPropertyOptional({ maxLength: LIMITS.titleLength })
  // Not IsOptional: that would let `null` through to a NOT NULL column (a 500 instead of a 400).
  @ValidateIf((_o, v) => v !== undefined)
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.titleLength)
  title?: string;

  @ApiPropertyOptional({
    maxLength: LIMITS.systemPromptLength,
    nullable: true,
    type: String,
    description: 'null clears it.',
  })
  @ValidateIf((_o, v) => v !== null)
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.systemPromptLength)
  system_prompt?: string | null;

  @ApiPropertyOptional({ description: 'false archives the session; true restores it.' })
  @ValidateIf((_o, v) => v !== undefined)
  @IsBoolean()
  is_active?: boolean;
}
