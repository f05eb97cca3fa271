import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ATTACHMENT_MEDIA_TYPES } from '../../config/attachment-types.js';

/** An attachment as a message lists it (kept in the message's metadata when it is sent). */
export class MessageAttachmentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'The uploaded file name, cleaned (no path).' }) filename: string;
  @ApiProperty({ enum: ATTACHMENT_MEDIA_TYPES, description: 'Decided from the bytes, not the name.' })
  media_type: string;
  @ApiProperty({ enum: ['image', 'text', 'document', 'audio'] }) kind: 'image' | 'text' | 'document' | 'audio';
  @ApiProperty() size_bytes: number;
  @ApiProperty({ description: 'GET it with your bearer token.', example: '/api/chat/attachments/{id}' }) url: string;
  @ApiPropertyOptional({ description: 'Pages of a PDF.' }) pages?: number;
  @ApiPropertyOptional({ description: 'Length of the text of a text file or document, in tokens.' }) tokens?: number;
  @ApiPropertyOptional({ description: 'What was said in a voice message.' }) transcript?: string;
}

/** An upload, as POST /api/chat/attachments answers it. */
export class AttachmentDto extends MessageAttachmentDto {
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Until a message uses it: when the unused upload is deleted (ATTACHMENT_UNUSED_TTL_HOURS).',
  })
  expires_at: string | null;
}

/** What the widget needs to know before it uploads. */
export class AttachmentsConfigDto {
  @ApiProperty({ description: 'ATTACHMENT_MAX_BYTES.' }) max_bytes: number;
  @ApiProperty({ description: 'ATTACHMENTS_PER_MESSAGE; 0 = attachments are off.' }) per_message: number;
  @ApiProperty({ type: [String], description: 'Media types accepted (ATTACHMENT_TYPES).' }) types: string[];
  @ApiProperty({ description: 'IMAGE_RESIZE_OVER_BYTES: larger images are shrunk in the browser first; 0 = never.' })
  image_resize_over_bytes: number;
  @ApiProperty({ description: 'ATTACHMENT_QUOTA_BYTES; 0 = none.' }) quota_bytes: number;
  @ApiProperty({ description: 'Bytes of attachments you keep now.' }) used_bytes: number;
  @ApiProperty({ description: 'Whether the model takes images (AI_ACCEPTS_IMAGES).' }) images: boolean;
  @ApiProperty({ description: 'Whether voice messages can be transcribed.' }) transcription: boolean;
  @ApiProperty({ description: 'Whether POST /api/chat/speech reads answers aloud (SPEECH_MODEL).' }) speech: boolean;
}
