import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';
import { toBoolean } from '../../config/transforms.js';
import { LIMITS } from '../../sessions/dto/limits.js';

const SEARCH_PAGE = { default: 20, max: 50 } as const;

/** Plain decimal digits only, as ListSessionsQuery reads `limit`. */
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : value;

export class SearchQuery {
  @ApiProperty({
    minLength: 1,
    maxLength: LIMITS.searchLength,
    description:
      'Full text, web-search syntax ("a phrase", or, -word), whole words in any case, no stemming. ' + CLEAN_TEXT_NOTE,
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsCleanText()
  @MinLength(1)
  @MaxLength(LIMITS.searchLength)
  q: string;

  @ApiPropertyOptional({ minimum: 1, maximum: SEARCH_PAGE.max, default: SEARCH_PAGE.default })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(SEARCH_PAGE.max)
  limit: number = SEARCH_PAGE.default;

  @ApiPropertyOptional({ description: "Cursor: the previous page's next_cursor (opaque)." })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;

  @ApiPropertyOptional({ default: false, description: 'Search archived (is_active=false) sessions too.' })
  @IsOptional()
  @Transform(({ value }) => toBoolean(value))
  @IsBoolean()
  include_archived: boolean = false;
}
