import { Module } from '@nestjs/common';
import { AiModule } from '../ai/ai.module.js';
import { AttachmentsModule } from '../attachments/attachments.module.js';
import { MemoryModule } from '../memory/memory.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { StreamsModule } from '../streams/streams.module.js';
import { ToolsModule } from '../tools/tools.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { ChatController } from './chat.controller.js';
import { ChatService } from './chat.service.js';
import { IdempotencyService } from './idempotency.service.js';
import { KnownWindows } from './known-windows.js';
import { KnownWindowsSync } from './known-windows.sync.js';
import { QuestionsService } from './questions.service.js';
import { SendRequestsJanitor } from './send-requests.janitor.js';
import { ToolResultsController } from './tool-results.controller.js';
import { ToolResultsService } from './tool-results.service.js';

/** Sending a message: POST /api/chat/send, edits and regenerates, and what makes a send safe to retry. */
@Module({
  imports: [AiModule, SessionsModule, StreamsModule, MemoryModule, AttachmentsModule, UsageModule, ToolsModule],
  controllers: [ChatController, ToolResultsController],
  providers: [
    ChatService,
    QuestionsService,
    ToolResultsService,
    IdempotencyService,
    SendRequestsJanitor,
    // Built by hand: its constructor takes a budget, not a dependency.
    { provide: KnownWindows, useFactory: () => new KnownWindows() },
    KnownWindowsSync,
  ],
})
export class ChatModule {}
