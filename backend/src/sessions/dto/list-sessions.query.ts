import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';
import { toBoolean } from '../../config/transforms.js';
import { LIMITS } from './limits.js';

/**
 * A query integer is plain decimal digits; anything else stays a string and fails @IsInt.
 * (@Type(() => Number) would read `0x10` as 16, `1e2` as 100 and ` ` as 0.)
 */
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : value;

export class ListSessionsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: LIMITS.sessionsPage.max, default: LIMITS.sessionsPage.default })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(LIMITS.sessionsPage.max)
  limit: number = LIMITS.sessionsPage.default;

  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: the last_id of the previous page.' })
  @IsOptional()
  @IsUUID()
  after?: string;

  @ApiPropertyOptional({ default: false, description: 'Include archived (is_active=false) sessions.' })
  @IsOptional()
  @Transform(({ value }) => toBoolean(value))
  @IsBoolean()
  include_archived: boolean = false;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: LIMITS.searchLength,
    description:
      'Search: only sessions whose title or any message matches (full text, web-search syntax: "a phrase", or, -word; ' +
      `no stemming). Each item then carries \`match\`. ${CLEAN_TEXT_NOTE}`,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsCleanText()
  @MinLength(1)
  @MaxLength(LIMITS.searchLength)
  q?: string;
}

export class GetSessionQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: LIMITS.messagesPage.max,
    default: LIMITS.messagesPage.default,
    description: 'How many of the latest messages to include.',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(LIMITS.messagesPage.max)
  limit: number = LIMITS.messagesPage.default;
}

export class ListMessagesQuery extends GetSessionQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: a message id; the page continues after it in `order`.' })
  @IsOptional()
  @IsUUID()
  after?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';
}
