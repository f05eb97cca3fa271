import type { ToolStrings } from '../../tool-strings.js';

/** Spanish strings of the host page's tools: loaded with their chunk, when an answer calls one. */
const strings: ToolStrings = {
  toolPreparing: 'Preparando',
  toolWaiting: 'No ejecutado',
  toolAsking: 'Esperando su respuesta',
  toolRunning: 'En curso',
  toolDone: 'Hecho',
  toolFailed: 'Error',
  toolDenied: 'Denegado',
  toolArguments: 'Argumentos',
  toolResult: 'Resultado',
  toolError: 'Error',
  toolQuestion: '¿Permitir que el asistente use «{name}» en esta página?',
  toolAllow: 'Permitir',
  toolDeny: 'Denegar',
};
export default strings;
