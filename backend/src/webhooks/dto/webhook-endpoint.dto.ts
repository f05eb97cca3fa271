import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../config/webhook-settings.js';

export class CreateWebhookEndpointDto {
  @ApiProperty({
    maxLength: 2000,
    example: 'https://crm.example/hooks/pulse',
    description: 'http:// or https:// only.',
  })
  @IsString()
  @MaxLength(2000)
  url: string;

  @ApiPropertyOptional({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    description: 'The events this endpoint gets; omitted: all of them.',
  })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  events?: WebhookEventType[];
}

export class UpdateWebhookEndpointDto {
  @ApiProperty({ description: 'false: nothing is sent to it (its pending deliveries wait) until it is enabled again.' })
  @IsBoolean()
  enabled: boolean;
}

export class WebhookDeliveryCountsDto {
  @ApiProperty() pending: number;
  @ApiProperty() delivered: number;
  @ApiProperty() dead: number;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) events: WebhookEventType[];
  @ApiProperty() enabled: boolean;
  @ApiProperty({
    enum: ['settings', 'admin'],
    description: 'settings: from WEBHOOK_URLS (set again at every start); admin: made through this API.',
  })
  source: 'settings' | 'admin';
  @ApiProperty({ description: 'The signing secret, masked: its first characters only.', example: 'whsec_MfKQ…' })
  secret_hint: string;
  @ApiProperty({ type: WebhookDeliveryCountsDto }) deliveries: WebhookDeliveryCountsDto;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({
    description: 'The whole signing secret (Standard Webhooks, whsec_…): shown this once, never again.',
  })
  secret: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) endpoints: WebhookEndpointDto[];
}
