import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.js';
import { WebhookRetentionJanitor } from './webhook-retention.janitor.js';
import { WebhookWorker } from './webhook-worker.js';
import { WebhooksAdminController } from './webhooks-admin.controller.js';
import { WebhooksAdminService } from './webhooks-admin.service.js';
import { WebhooksRepository } from './webhooks.repository.js';

/** Signed webhooks: endpoints (settings and admin API), the outbox the triggers fill, and its worker. */
@Module({
  imports: [AdminModule],
  controllers: [WebhooksAdminController],
  providers: [WebhooksRepository, WebhookWorker, WebhooksAdminService, WebhookRetentionJanitor],
})
export class WebhooksModule {}
