import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ExportController } from './export.controller.js';
import { ExportService } from './export.service.js';

@Module({
  imports: [SessionsModule],
  controllers: [ExportController],
  providers: [ExportService],
})
export class ExportModule {}
