import { Module } from '@nestjs/common';
import { MessagesRepository } from './messages.repository.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  controllers: [SessionsController],
  providers: [SessionsRepository, MessagesRepository, SessionsService],
  exports: [SessionsRepository, MessagesRepository, SessionsService],
})
export class SessionsModule {}
