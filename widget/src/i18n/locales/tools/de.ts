import type { ToolStrings } from '../../tool-strings.js';

/** German strings of the host page's tools: loaded with their chunk, when an answer calls one. */
const strings: ToolStrings = {
  toolPreparing: 'Wird vorbereitet',
  toolWaiting: 'Nicht ausgeführt',
  toolAsking: 'Wartet auf Ihre Antwort',
  toolRunning: 'Läuft',
  toolDone: 'Erledigt',
  toolFailed: 'Fehlgeschlagen',
  toolDenied: 'Abgelehnt',
  toolArguments: 'Argumente',
  toolResult: 'Ergebnis',
  toolError: 'Fehler',
  toolQuestion: 'Darf der Assistent „{name}“ auf dieser Seite verwenden?',
  toolAllow: 'Erlauben',
  toolDeny: 'Ablehnen',
};
export default strings;
