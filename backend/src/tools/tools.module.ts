import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ToolDefinitions } from './tool-definitions.js';
import { ToolWaits } from './tool-waits.js';
import { ToolWaitsJanitor } from './tool-waits.janitor.js';
import { ToolWaitsRepository } from './tool-waits.repository.js';

/** The host page's tools: their definitions checked, and answers waiting for their results. */
@Module({
  imports: [SessionsModule],
  providers: [ToolDefinitions, ToolWaitsRepository, ToolWaits, ToolWaitsJanitor],
  exports: [ToolDefinitions, ToolWaitsRepository, ToolWaits],
})
export class ToolsModule {}
