import type { AttachmentStrings } from '../../attachment-strings.js';

/** German strings of attachments and voice: loaded with their chunk, on first use. */
const strings: AttachmentStrings = {
  recording: 'Aufnahme',
  stopRecording: 'Aufnahme beenden',
  cancelRecording: 'Aufnahme verwerfen',
  remove: '{name} entfernen',
  uploading: '{name} wird hochgeladen',
  play: 'Sprachnachricht abspielen',
  noMic: 'Das Mikrofon ist nicht verfügbar.',
  tooLarge: 'Zu groß: höchstens {n} pro Datei.',
  typeNotAllowed: 'Dieser Dateityp kann nicht angehängt werden.',
  typeMismatch: 'Der Dateiname passt nicht zum Inhalt.',
  activeContent: 'Dateien, die Skripte enthalten können (HTML, SVG, XML), können nicht angehängt werden.',
  encrypted: 'Das PDF ist passwortgeschützt.',
  noText: 'Kein Text in der Datei gefunden (ein Scan?).',
  unreadable: 'Die Datei konnte nicht gelesen werden.',
  tooManyPages: 'Das PDF hat zu viele Seiten.',
  quotaExceeded: 'Ihr Speicherplatz für Dateien ist voll.',
  tooManyFiles: 'Höchstens {n} Dateien pro Nachricht.',
  notSupported: 'Dieser Assistent kann keine Bilder lesen.',
  transcriptionFailed: 'Die Sprachnachricht konnte nicht in Text umgewandelt werden.',
  uploadFailed: 'Die Datei konnte nicht hochgeladen werden.',
};
export default strings;
