import { Module } from '@nestjs/common';
import { VoiceModule } from '../ai/voice/voice.module.js';
import { MemoryModule } from '../memory/memory.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AttachmentGarbageJanitor } from './attachment-garbage.janitor.js';
import { AttachmentInputs } from './attachment-inputs.js';
import { AttachmentsController } from './attachments.controller.js';
import { AttachmentsRepository } from './attachments.repository.js';
import { AttachmentsService } from './attachments.service.js';
import { MessageAttachments } from './message-attachments.js';
import { SpeechController } from './speech.controller.js';
import { SpeechService } from './speech.service.js';
import { attachmentStoreProvider } from './storage/attachment-store.provider.js';
import { UploadsService } from './uploads.service.js';

/** Files, images and voice messages: uploaded, stored, linked to messages, given to the model. */
@Module({
  imports: [SessionsModule, MemoryModule, VoiceModule],
  controllers: [AttachmentsController, SpeechController],
  providers: [
    attachmentStoreProvider,
    AttachmentsRepository,
    AttachmentsService,
    UploadsService,
    MessageAttachments,
    AttachmentInputs,
    AttachmentGarbageJanitor,
    SpeechService,
  ],
  exports: [MessageAttachments, AttachmentInputs, AttachmentGarbageJanitor],
})
export class AttachmentsModule {}
