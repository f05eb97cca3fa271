import type { AttachmentMediaType } from '../../config/attachment-types.js';

/** How Pulse treats a file: shown to the model as an image, read as text, or transcribed. */
export type AttachmentKind = 'image' | 'text' | 'document' | 'audio';

/** A file's type as decided from its first bytes (and, for text, that it is text). */
export interface SniffedType {
  mediaType: AttachmentMediaType;
  kind: AttachmentKind;
  /** The file name's extension Pulse would give it (png, pdf, md...). */
  extension: string;
}

/** A passage of a file's text, with the page it is on (PDFs; null for other files). */
export interface TextPassage {
  page: number | null;
  text: string;
}

/** The text read from a text, PDF or DOCX file. */
export interface ExtractedText {
  /** In reading order. For a PDF, one per page that has text. */
  passages: TextPassage[];
  /** Pages in the PDF (including those without text); undefined for other files. */
  pageCount?: number;
}

/** A passage cut to a size the model can be given and the search can rank. */
export interface TextChunk {
  seq: number;
  page: number | null;
  tokens: number;
  content: string;
}
