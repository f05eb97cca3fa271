import type { ToolStrings } from '../../tool-strings.js';

/** French strings of the host page's tools: loaded with their chunk, when an answer calls one. */
const strings: ToolStrings = {
  toolPreparing: 'En préparation',
  toolWaiting: 'Non exécuté',
  toolAsking: 'En attente de votre réponse',
  toolRunning: 'En cours',
  toolDone: 'Terminé',
  toolFailed: 'Échec',
  toolDenied: 'Refusé',
  toolArguments: 'Arguments',
  toolResult: 'Résultat',
  toolError: 'Erreur',
  toolQuestion: 'Autoriser l’assistant à utiliser « {name} » sur cette page ?',
  toolAllow: 'Autoriser',
  toolDeny: 'Refuser',
};
export default strings;
