import type { AttachmentStrings } from './attachment-strings.js';

/** Every user-visible string. Hosts override any subset through the `i18n` option. */
export interface PulseStrings extends ChatStrings, AttachmentStrings {}

/** The strings that come with the panel; the attachments' own come with their chunk on first use. */
export interface ChatStrings {
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
  /** Network, CORS or server down: nothing reached the server. */
  failed: string;
  /** The server stored the question but the model did not answer (UPSTREAM_*). */
  unanswered: string;
  askAgain: string;
  /** `{n}`: seconds from Retry-After. */
  rateLimited: string;
  /** A daily quota used up (429 QUOTA_EXCEEDED). `{n}`: the messages allowed per day; `{time}`: when it resets, the visitor's clock. */
  quotaMessages: string;
  /** The same for the day's tokens (which visitors do not count): `{time}` only. */
  quotaTokens: string;
  loadEarlier: string;
  loadMore: string;
  noChats: string;
  untitled: string;
  rename: string;
  save: string;
  cancel: string;
  delete: string;
  /** `{title}`: the chat's title. */
  confirmDelete: string;
  titleLabel: string;
  starters: string;
  you: string;
  assistant: string;
  copy: string;
  copied: string;
  copyCode: string;
  search: string;
  noResults: string;
  today: string;
  yesterday: string;
  regenerate: string;
  edit: string;
  previous: string;
  next: string;
  good: string;
  bad: string;
  comment: string;
  thanks: string;
  attach: string;
  record: string;
  readAloud: string;
  /** `{list}`: the passages an answer used, e.g. "manual.pdf, page 12". */
  sources: string;
  dropFiles: string;
}

export const en: ChatStrings = {
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
  failed: 'Message not sent: the chat server could not be reached.',
  unanswered: 'Your message was saved, but no answer came.',
  askAgain: 'Ask again',
  rateLimited: 'Too many messages. Try again in {n} s.',
  quotaMessages: "You've reached today's limit of {n} messages. You can write again at {time} (your time).",
  quotaTokens: "You've reached today's usage limit. You can write again at {time} (your time).",
  loadEarlier: 'Show earlier messages',
  loadMore: 'Show more chats',
  noChats: 'No earlier chats yet.',
  untitled: 'Untitled chat',
  rename: 'Rename',
  save: 'Save',
  cancel: 'Cancel',
  delete: 'Delete',
  confirmDelete: 'Delete “{title}” for good?',
  titleLabel: 'Chat title',
  starters: 'Suggestions',
  you: 'You',
  assistant: 'Assistant',
  copy: 'Copy',
  copied: 'Copied',
  copyCode: 'Copy code',
  search: 'Search chats',
  noResults: 'No chats found.',
  today: 'Today',
  yesterday: 'Yesterday',
  regenerate: 'Regenerate',
  edit: 'Edit',
  previous: 'Previous version',
  next: 'Next version',
  good: 'Good answer',
  bad: 'Bad answer',
  comment: 'What was wrong? (optional)',
  thanks: 'Thanks for the feedback.',
  attach: 'Attach files',
  record: 'Record a voice message',
  readAloud: 'Read aloud',
  sources: 'Sources: {list}',
  dropFiles: 'Drop files to attach them',
};

/** Languages other than English, each its own chunk: a page downloads only its own. */
const packs: Record<string, () => Promise<{ default: ChatStrings }>> = {
  de: () => import('./locales/de.js'),
  fr: () => import('./locales/fr.js'),
  es: () => import('./locales/es.js'),
  ar: () => import('./locales/ar.js'),
  ja: () => import('./locales/ja.js'),
};

/** The strings of a shipped language (see `langOf`). */
export async function loadStrings(lang: string): Promise<ChatStrings> {
  return (await packs[lang]?.())?.default ?? en;
}
