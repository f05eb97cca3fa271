/**
 * Strings of the host page's tools (issue 24): the steps an answer shows for its calls and the
 * Allow / Deny question. They load with the tools chunk, so a chat whose answers never call a
 * tool never downloads them.
 */
export interface ToolStrings {
  /** States of a call, each the text of its icon. */
  toolPreparing: string;
  toolWaiting: string;
  toolAsking: string;
  toolRunning: string;
  toolDone: string;
  toolFailed: string;
  toolDenied: string;
  toolArguments: string;
  toolResult: string;
  toolError: string;
  /** `{name}`: the tool's name. */
  toolQuestion: string;
  toolAllow: string;
  toolDeny: string;
}

export const toolsEn: ToolStrings = {
  toolPreparing: 'Preparing',
  toolWaiting: 'Not run',
  toolAsking: 'Waiting for your answer',
  toolRunning: 'Running',
  toolDone: 'Done',
  toolFailed: 'Failed',
  toolDenied: 'Denied',
  toolArguments: 'Arguments',
  toolResult: 'Result',
  toolError: 'Error',
  toolQuestion: 'Allow the assistant to use “{name}” on this page?',
  toolAllow: 'Allow',
  toolDeny: 'Deny',
};

const packs: Record<string, () => Promise<{ default: ToolStrings }>> = {
  de: () => import('./locales/tools/de.js'),
  fr: () => import('./locales/tools/fr.js'),
  es: () => import('./locales/tools/es.js'),
  ar: () => import('./locales/tools/ar.js'),
  ja: () => import('./locales/tools/ja.js'),
};

export async function loadToolStrings(lang: string): Promise<ToolStrings> {
  return (await packs[lang]?.())?.default ?? toolsEn;
}
