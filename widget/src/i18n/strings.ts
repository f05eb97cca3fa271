/** Every user-visible string. Hosts override any subset through the `i18n` option. */
export interface PulseStrings {
  openChat: string;
  closeChat: string;
  unread: string;
  heading: string;
  chats: string;
  newChat: string;
  signIn: string;
  greeting: string;
  placeholder: string;
  inputLabel: string;
  send: string;
  stop: string;
  retry: string;
  typing: string;
  stopped: string;
  failed: string;
  rateLimited: string;
  loadEarlier: string;
  loadMore: string;
  noChats: string;
  untitled: string;
  rename: string;
  save: string;
  cancel: string;
  delete: string;
  titleLabel: string;
  starters: string;
  you: string;
  assistant: string;
}

const en: PulseStrings = {
  openChat: 'Open chat',
  closeChat: 'Close chat',
  unread: '{n} new',
  heading: 'Chat',
  chats: 'Earlier chats',
  newChat: 'New chat',
  signIn: 'Please sign in to chat with us.',
  greeting: 'Hi! How can I help you today?',
  placeholder: 'Type a message…',
  inputLabel: 'Message',
  send: 'Send',
  stop: 'Stop',
  retry: 'Retry',
  typing: 'Assistant is typing',
  stopped: 'Stopped.',
  failed: 'Message not sent.',
  rateLimited: 'Too many messages. Please wait a moment.',
  loadEarlier: 'Show earlier messages',
  loadMore: 'Show more chats',
  noChats: 'No earlier chats yet.',
  untitled: 'Untitled chat',
  rename: 'Rename',
  save: 'Save',
  cancel: 'Cancel',
  delete: 'Delete',
  titleLabel: 'Chat title',
  starters: 'Suggestions',
  you: 'You',
  assistant: 'Assistant',
};

const de: PulseStrings = {
  openChat: 'Chat öffnen',
  closeChat: 'Chat schließen',
  unread: '{n} neu',
  heading: 'Chat',
  chats: 'Frühere Chats',
  newChat: 'Neuer Chat',
  signIn: 'Bitte melden Sie sich an, um mit uns zu chatten.',
  greeting: 'Hallo! Wie kann ich Ihnen helfen?',
  placeholder: 'Nachricht eingeben…',
  inputLabel: 'Nachricht',
  send: 'Senden',
  stop: 'Stopp',
  retry: 'Erneut senden',
  typing: 'Der Assistent schreibt',
  stopped: 'Angehalten.',
  failed: 'Nachricht nicht gesendet.',
  rateLimited: 'Zu viele Nachrichten. Bitte warten Sie einen Moment.',
  loadEarlier: 'Frühere Nachrichten anzeigen',
  loadMore: 'Weitere Chats anzeigen',
  noChats: 'Noch keine früheren Chats.',
  untitled: 'Chat ohne Titel',
  rename: 'Umbenennen',
  save: 'Speichern',
  cancel: 'Abbrechen',
  delete: 'Löschen',
  titleLabel: 'Chat-Titel',
  starters: 'Vorschläge',
  you: 'Sie',
  assistant: 'Assistent',
};

/** Shipped languages; a locale like `de-AT` falls back to `de`, anything unknown to English. */
const locales: Record<string, PulseStrings> = { en, de };

export function resolveStrings(locale: string | null | undefined, overrides?: Partial<PulseStrings>): PulseStrings {
  const lang = (locale || 'en').toLowerCase();
  return { ...(locales[lang] ?? locales[lang.split('-')[0]!] ?? en), ...overrides };
}
