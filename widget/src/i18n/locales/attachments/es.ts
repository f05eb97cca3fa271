import type { AttachmentStrings } from '../../attachment-strings.js';

/** Spanish strings of attachments and voice: loaded with their chunk, on first use. */
const strings: AttachmentStrings = {
  recording: 'Grabando',
  stopRecording: 'Detener la grabación',
  cancelRecording: 'Cancelar la grabación',
  remove: 'Quitar {name}',
  uploading: 'Subiendo {name}',
  play: 'Reproducir el mensaje de voz',
  noMic: 'El micrófono no está disponible.',
  tooLarge: 'Demasiado grande: como máximo {n} por archivo.',
  typeNotAllowed: 'Este tipo de archivo no se puede adjuntar.',
  typeMismatch: 'El nombre del archivo no coincide con su contenido.',
  activeContent: 'Los archivos que pueden contener scripts (HTML, SVG, XML) no se pueden adjuntar.',
  encrypted: 'El PDF está protegido con contraseña.',
  noText: 'No se encontró texto en el archivo (¿un escaneo?).',
  unreadable: 'No se pudo leer el archivo.',
  tooManyPages: 'El PDF tiene demasiadas páginas.',
  quotaExceeded: 'Su espacio para archivos está lleno.',
  tooManyFiles: 'Como máximo {n} archivos por mensaje.',
  notSupported: 'Este asistente no puede leer imágenes.',
  transcriptionFailed: 'No se pudo transcribir el mensaje de voz.',
  uploadFailed: 'No se pudo subir el archivo.',
};
export default strings;
