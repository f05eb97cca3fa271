import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from '../../config/webhook-settings.js';

const STATUSES = ['pending', 'delivered', 'dead'] as const;

/** Plain decimal digits only (as the sessions list reads its limit). */
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : value;

export class ListWebhookDeliveriesQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the deliveries to this endpoint.' })
  @IsOptional()
  @IsUUID()
  endpoint_id?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ format: 'uuid', description: 'Cursor: the next_before of the previous page.' })
  @IsOptional()
  @IsUUID()
  before?: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'The webhook-id the receiver sees (the same on every attempt).' }) event_id: string;
  @ApiProperty({ format: 'uuid' }) endpoint_id: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES }) type: string;
  @ApiProperty({ enum: STATUSES }) status: (typeof STATUSES)[number];
  @ApiProperty({ description: 'Attempts made so far.' }) attempts: number;
  @ApiProperty({ format: 'date-time', description: 'When a pending delivery is tried next.' }) next_attempt_at: string;
  @ApiProperty({ nullable: true, type: Number, description: "The last attempt's HTTP status; null when none came." })
  last_status: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) delivered_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class WebhookDeliveryListDto {
  @ApiProperty({ type: [WebhookDeliveryDto], description: 'Newest first.' }) deliveries: WebhookDeliveryDto[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'Pass as `before` for the next page.' })
  next_before: string | null;
}

export class WebhookAttemptDto {
  @ApiProperty({ format: 'date-time' }) attempted_at: string;
  @ApiProperty({ nullable: true, type: Number }) http_status: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() duration_ms: number;
}

export class WebhookDeliveryDetailDto extends WebhookDeliveryDto {
  @ApiProperty({ type: [WebhookAttemptDto], description: 'The delivery log: every attempt, oldest first.' })
  attempt_log: WebhookAttemptDto[];
}
