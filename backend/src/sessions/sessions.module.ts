import { Module } from '@nestjs/common';
import { KnownWindows } from './known-windows.js';
import { MessagesRepository } from './messages.repository.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

@Module({
  controllers: [SessionsController],
  providers: [
    SessionsRepository,
    MessagesRepository,
    SessionsService,
    // Built by hand: its constructor takes a budget, not a dependency.
    { provide: KnownWindows, useFactory: () => new KnownWindows() },
  ],
  exports: [SessionsRepository, MessagesRepository, SessionsService, KnownWindows],
})
export class SessionsModule {}
