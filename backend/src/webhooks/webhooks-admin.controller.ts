import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminOnly } from '../admin/admin-only.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import {
  ListWebhookDeliveriesQuery,
  WebhookDeliveryDetailDto,
  WebhookDeliveryListDto,
} from './dto/webhook-delivery.dto.js';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
} from './dto/webhook-endpoint.dto.js';
import { WebhookIdPipe } from './webhook-id.pipe.js';
import { WebhooksAdminService } from './webhooks-admin.service.js';

@AdminOnly()
@Controller('api/admin/webhooks')
export class WebhooksAdminController {
  constructor(private readonly webhooks: WebhooksAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'List webhook endpoints with their delivery counts',
    description: 'Secrets are masked; the whole secret is shown only when an endpoint is created.',
  })
  @ApiOkResponse({ type: WebhookEndpointListDto })
  list(): Promise<WebhookEndpointListDto> {
    return this.webhooks.list();
  }

  @Post()
  @ApiOperation({
    summary: 'Add a webhook endpoint; its signing secret is in the answer, once',
    description: 'Events written from now on are sent to it, signed per the Standard Webhooks spec.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto })
  @ApiErrors('VALIDATION_FAILED', 'WEBHOOK_URL_INVALID')
  create(@Body() body: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    return this.webhooks.create(body);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Enable or disable a webhook endpoint' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrors('INVALID_ID', 'VALIDATION_FAILED', 'WEBHOOK_NOT_FOUND')
  update(@Param('id', WebhookIdPipe) id: string, @Body() body: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    return this.webhooks.setEnabled(id, body.enabled);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a webhook endpoint with its deliveries and their log',
    description: 'An endpoint from WEBHOOK_URLS comes back at the next start unless it is removed from the settings.',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors('INVALID_ID', 'WEBHOOK_NOT_FOUND')
  remove(@Param('id', WebhookIdPipe) id: string): Promise<void> {
    return this.webhooks.remove(id);
  }

  @Get('deliveries')
  @ApiOperation({ summary: 'List webhook deliveries, newest first, with their attempts and last error' })
  @ApiOkResponse({ type: WebhookDeliveryListDto })
  @ApiErrors('VALIDATION_FAILED')
  deliveries(@Query() query: ListWebhookDeliveriesQuery): Promise<WebhookDeliveryListDto> {
    return this.webhooks.deliveries(query);
  }

  @Get('deliveries/:id')
  @ApiOperation({ summary: 'One webhook delivery with its delivery log (every attempt)' })
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  @ApiErrors('INVALID_ID', 'WEBHOOK_DELIVERY_NOT_FOUND')
  delivery(@Param('id', WebhookIdPipe) id: string): Promise<WebhookDeliveryDetailDto> {
    return this.webhooks.delivery(id);
  }

  @Post('deliveries/:id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a dead delivery again',
    description: 'It becomes pending with the full number of attempts (WEBHOOK_MAX_ATTEMPTS) and is sent at once.',
  })
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  @ApiErrors('INVALID_ID', 'WEBHOOK_DELIVERY_NOT_FOUND', 'WEBHOOK_DELIVERY_NOT_DEAD')
  retry(@Param('id', WebhookIdPipe) id: string): Promise<WebhookDeliveryDetailDto> {
    return this.webhooks.retry(id);
  }
}
