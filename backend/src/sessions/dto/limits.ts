/** Input limits shared by the DTOs, the chat send body and the widget. */
export const LIMITS = {
  titleLength: 200,
  systemPromptLength: 8000,
  messageLength: 16000,
  sessionsPage: { default: 20, max: 100 },
  messagesPage: { default: 50, max: 200 },
} as const;
