/**
 * Strings of attachments and voice beyond the few the panel shows before they are used (see
 * `ChatStrings`): they load with the attachments chunk, so a page that never attaches anything
 * never downloads them.
 */
export interface AttachmentStrings {
  recording: string;
  stopRecording: string;
  cancelRecording: string;
  /** `{name}`: the file's name. */
  remove: string;
  uploading: string;
  play: string;
  noMic: string;
  /** Upload refusals, one per API error code; `{n}`: the limit (a size such as "20 MB", or a number of files). */
  tooLarge: string;
  typeNotAllowed: string;
  typeMismatch: string;
  activeContent: string;
  encrypted: string;
  noText: string;
  unreadable: string;
  tooManyPages: string;
  quotaExceeded: string;
  tooManyFiles: string;
  notSupported: string;
  transcriptionFailed: string;
  uploadFailed: string;
}

export const attachmentsEn: AttachmentStrings = {
  recording: 'Recording',
  stopRecording: 'Stop recording',
  cancelRecording: 'Cancel recording',
  remove: 'Remove {name}',
  uploading: 'Uploading {name}',
  play: 'Play voice message',
  noMic: 'The microphone is not available.',
  tooLarge: 'Too large: at most {n} per file.',
  typeNotAllowed: 'This type of file cannot be attached.',
  typeMismatch: 'The file name does not match its contents.',
  activeContent: 'Files that can carry scripts (HTML, SVG, XML) cannot be attached.',
  encrypted: 'The PDF is password-protected.',
  noText: 'No text found in the file (a scan?).',
  unreadable: 'The file could not be read.',
  tooManyPages: 'The PDF has too many pages.',
  quotaExceeded: 'Your space for files is full.',
  tooManyFiles: 'At most {n} files per message.',
  notSupported: 'This assistant cannot read images.',
  transcriptionFailed: 'The voice message could not be transcribed.',
  uploadFailed: 'The file could not be uploaded.',
};

const packs: Record<string, () => Promise<{ default: AttachmentStrings }>> = {
  de: () => import('./locales/attachments/de.js'),
  fr: () => import('./locales/attachments/fr.js'),
  es: () => import('./locales/attachments/es.js'),
  ar: () => import('./locales/attachments/ar.js'),
  ja: () => import('./locales/attachments/ja.js'),
};

export async function loadAttachmentStrings(lang: string): Promise<AttachmentStrings> {
  return (await packs[lang]?.())?.default ?? attachmentsEn;
}
