import { Module } from '@nestjs/common';
import { AiModule } from '../ai/ai.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ChatController } from './chat.controller.js';
import { ChatService } from './chat.service.js';
import { SendDrain } from './send-drain.js';
import { SendRequestsJanitor } from './send-requests.janitor.js';
import { SendRequestsRepository } from './send-requests.repository.js';

@Module({
  imports: [AiModule, SessionsModule],
  controllers: [ChatController],
  providers: [ChatService, SendRequestsRepository, SendRequestsJanitor, SendDrain],
})
export class ChatModule {}
