import type { Provider } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { AttachmentStore } from './attachment-store.js';
import { FolderAttachmentStore } from './folder.store.js';
import { S3AttachmentStore } from './s3.store.js';

/** The bucket when S3_BUCKET is set, else the folder (ATTACHMENTS_DIR, beside the embedded database). */
export const attachmentStoreProvider: Provider<AttachmentStore> = {
  provide: AttachmentStore,
  inject: [AppConfig],
  useFactory: (config: AppConfig): AttachmentStore =>
    config.attachments.s3
      ? new S3AttachmentStore(config.attachments.s3)
      : new FolderAttachmentStore(config.attachments.dir),
};
