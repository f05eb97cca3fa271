import { Module } from '@nestjs/common';
import { MessagesRepository } from './messages.repository.js';
import { SendRequestsRepository } from './send-requests.repository.js';
import { SessionChanges } from './session-changes.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  controllers: [SessionsController],
  providers: [SessionsRepository, MessagesRepository, SendRequestsRepository, SessionsService, SessionChanges],
  exports: [SessionsRepository, MessagesRepository, SendRequestsRepository, SessionsService, SessionChanges],
})
export class SessionsModule {}
