import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AnalyticsNumbersDto {
  @ApiProperty({ description: 'Questions and answers.' })
  messages!: number;

  @ApiProperty({ description: 'Questions asked: new messages and edits.' })
  questions!: number;

  @ApiProperty({ description: 'Answers stored (interrupted ones included).' })
  answers!: number;

  @ApiProperty({ description: 'Users who asked or were answered.' })
  active_users!: number;

  @ApiProperty({ description: 'Sessions opened.' })
  new_sessions!: number;

  @ApiProperty()
  prompt_tokens!: number;

  @ApiProperty()
  completion_tokens!: number;

  @ApiProperty()
  tokens!: number;

  @ApiProperty({ description: 'Sends that failed (any error code).' })
  errors!: number;

  @ApiProperty({ nullable: true, type: Number, description: 'errors / (answers + errors); null with neither.' })
  error_rate!: number | null;

  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Time to the first token, median (ms), read from a histogram of 25%-wide bins: within about 12%.',
  })
  ttft_ms_p50!: number | null;

  @ApiProperty({ nullable: true, type: Number })
  ttft_ms_p95!: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Time to the whole answer, median (ms).' })
  latency_ms_p50!: number | null;

  @ApiProperty({ nullable: true, type: Number })
  latency_ms_p95!: number | null;
}

export class AnalyticsBucketDto extends AnalyticsNumbersDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the UTC hour or day.' })
  at!: string;
}

export class ErrorCountDto {
  @ApiProperty()
  code!: string;

  @ApiProperty()
  count!: number;
}

export class FeedbackSummaryDto {
  @ApiProperty()
  up!: number;

  @ApiProperty()
  down!: number;

  @ApiProperty({ nullable: true, type: Number, description: 'up / (up + down); null without ratings.' })
  ratio!: number | null;
}

export class TopSessionDto {
  @ApiProperty({ format: 'uuid' })
  session_id!: string;

  @ApiProperty({ format: 'uuid' })
  user_id!: string;

  @ApiProperty({ description: "The session's messages (every branch)." })
  messages!: number;

  @ApiProperty({ format: 'date-time' })
  last_message_at!: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Only with ADMIN_CAN_READ_CONVERSATIONS=true; null when the session was deleted.',
  })
  title?: string | null;
}

export class AnalyticsDto {
  @ApiProperty({ format: 'date-time' })
  from!: string;

  @ApiProperty({ format: 'date-time' })
  to!: string;

  @ApiProperty({ enum: ['hour', 'day'] })
  bucket!: 'hour' | 'day';

  @ApiProperty({ type: AnalyticsNumbersDto })
  totals!: AnalyticsNumbersDto;

  @ApiProperty({
    type: [AnalyticsBucketDto],
    description: 'Every bucket of the range, oldest first (zeros where idle).',
  })
  series!: AnalyticsBucketDto[];

  @ApiProperty({ type: [ErrorCountDto], description: 'Failed sends by code, most frequent first.' })
  errors_by_code!: ErrorCountDto[];

  @ApiProperty({ type: FeedbackSummaryDto, description: 'Ratings given or changed in the range.' })
  feedback!: FeedbackSummaryDto;

  @ApiProperty({ type: [TopSessionDto], description: 'The 10 longest sessions active in the range.' })
  top_sessions!: TopSessionDto[];

  @ApiProperty({ description: 'ADMIN_CAN_READ_CONVERSATIONS: whether titles and messages may be shown.' })
  conversations_visible!: boolean;
}
