import type { AttachmentStrings } from '../../attachment-strings.js';

/** French strings of attachments and voice: loaded with their chunk, on first use. */
const strings: AttachmentStrings = {
  recording: 'Enregistrement',
  stopRecording: 'Arrêter l’enregistrement',
  cancelRecording: 'Annuler l’enregistrement',
  remove: 'Retirer {name}',
  uploading: 'Envoi de {name}',
  play: 'Écouter le message vocal',
  noMic: 'Le micro n’est pas disponible.',
  tooLarge: 'Trop volumineux : {n} au plus par fichier.',
  typeNotAllowed: 'Ce type de fichier ne peut pas être joint.',
  typeMismatch: 'Le nom du fichier ne correspond pas à son contenu.',
  activeContent: 'Les fichiers pouvant contenir des scripts (HTML, SVG, XML) ne peuvent pas être joints.',
  encrypted: 'Le PDF est protégé par un mot de passe.',
  noText: 'Aucun texte trouvé dans le fichier (un scan ?).',
  unreadable: 'Le fichier n’a pas pu être lu.',
  tooManyPages: 'Le PDF a trop de pages.',
  quotaExceeded: 'Votre espace pour les fichiers est plein.',
  tooManyFiles: '{n} fichiers au plus par message.',
  notSupported: 'Cet assistant ne peut pas lire les images.',
  transcriptionFailed: 'Le message vocal n’a pas pu être transcrit.',
  uploadFailed: 'Le fichier n’a pas pu être envoyé.',
};
export default strings;
