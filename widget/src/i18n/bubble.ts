/**
 * The four strings the bubble shows before the panel loads (open, close, unread, the dialog's
 * name), for every shipped language: a few bytes each, so a French page's bubble is French at
 * once while the rest of its strings come with the panel as their own chunk.
 */
const table: Record<string, string> = {
  en: 'Open chat|Close chat|{n} new|Chat',
  de: 'Chat öffnen|Chat schließen|{n} neu|Chat',
  fr: 'Ouvrir le chat|Fermer le chat|{n} nouveau(x)|Chat',
  es: 'Abrir el chat|Cerrar el chat|{n} nuevo(s)|Chat',
  ar: 'فتح المحادثة|إغلاق المحادثة|{n} جديدة|المحادثة',
  ja: 'チャットを開く|チャットを閉じる|新着 {n} 件|チャット',
};

export type BubbleStrings = Record<'openChat' | 'closeChat' | 'unread' | 'heading', string>;

/** A shipped language for `locale`: `de-AT` falls back to `de`, anything unknown to English. */
export function langOf(locale: string | null | undefined): string {
  const lang = (locale || 'en').toLowerCase();
  return [lang, lang.split('-')[0]!].find((l) => table[l]) ?? 'en';
}

/** Right-to-left languages among the shipped ones. */
export const isRtl = (lang: string): boolean => lang === 'ar';

export function bubbleStrings(lang: string): BubbleStrings {
  const [openChat, closeChat, unread, heading] = (table[lang] ?? table.en!).split('|') as [
    string,
    string,
    string,
    string,
  ];
  return { openChat, closeChat, unread, heading };
}
