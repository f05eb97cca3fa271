import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';

export class AnalyticsQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Start of the range (inclusive); default: `to` minus 7 days.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'End of the range (exclusive); default: now.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    enum: ['hour', 'day'],
    default: 'day',
    description:
      "UTC hours (a range of at most 7 days) or UTC days (at most 400 days). `from` is moved back to its bucket's start.",
  })
  @IsOptional()
  @IsIn(['hour', 'day'])
  bucket: 'hour' | 'day' = 'day';
}
