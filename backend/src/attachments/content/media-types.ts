import type { AttachmentMediaType } from '../../config/attachment-types.js';
import type { AttachmentKind } from './attachment-content.js';

interface MediaTypeInfo {
  kind: AttachmentKind;
  /** The extension Pulse gives a file of this type. */
  extension: string;
  /** Other extensions that name this type. */
  aliases: readonly string[];
  /** How a message to a visitor names it. */
  label: string;
}

export const MEDIA_TYPES: Readonly<Record<AttachmentMediaType, MediaTypeInfo>> = {
  'image/png': { kind: 'image', extension: 'png', aliases: ['apng'], label: 'a PNG image' },
  'image/jpeg': { kind: 'image', extension: 'jpg', aliases: ['jpeg', 'jfif', 'jpe'], label: 'a JPEG image' },
  'image/webp': { kind: 'image', extension: 'webp', aliases: [], label: 'a WebP image' },
  'image/gif': { kind: 'image', extension: 'gif', aliases: [], label: 'a GIF image' },
  'application/pdf': { kind: 'document', extension: 'pdf', aliases: [], label: 'a PDF document' },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
    kind: 'document',
    extension: 'docx',
    aliases: [],
    label: 'a Word document',
  },
  'text/plain': { kind: 'text', extension: 'txt', aliases: ['text'], label: 'a text file' },
  'text/markdown': { kind: 'text', extension: 'md', aliases: ['markdown'], label: 'a Markdown file' },
  'text/csv': { kind: 'text', extension: 'csv', aliases: [], label: 'a CSV file' },
  'audio/webm': { kind: 'audio', extension: 'webm', aliases: ['weba'], label: 'a WebM recording' },
  'audio/ogg': { kind: 'audio', extension: 'ogg', aliases: ['oga', 'opus'], label: 'an Ogg recording' },
};

const BY_EXTENSION = new Map<string, AttachmentMediaType>(
  (Object.entries(MEDIA_TYPES) as [AttachmentMediaType, MediaTypeInfo][]).flatMap(([type, info]) =>
    [info.extension, ...info.aliases].map((extension) => [extension, type] as const),
  ),
);

/** The type a file name's extension claims, if it names one Pulse knows. */
export function mediaTypeOfExtension(extension: string): AttachmentMediaType | undefined {
  return BY_EXTENSION.get(extension);
}

/**
 * file-type's answers that Pulse reads, by file-type's extension. It cannot tell a WebM of sound
 * only from a video (it stops at the header's DocType), so every WebM and Matroska file is taken
 * as a recording: Chrome's MediaRecorder writes 'webm', and the transcription reads either.
 */
export const DETECTED_TYPES: ReadonlyMap<string, AttachmentMediaType> = new Map<string, AttachmentMediaType>([
  ['png', 'image/png'],
  ['apng', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['webp', 'image/webp'],
  ['gif', 'image/gif'],
  ['pdf', 'application/pdf'],
  ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['webm', 'audio/webm'],
  ['mkv', 'audio/webm'],
  ['opus', 'audio/ogg'],
  ['ogg', 'audio/ogg'],
  ['oga', 'audio/ogg'],
]);
