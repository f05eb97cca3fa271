/**
 * Input limits of the DTOs and the chat send body. The widget's build (widget/vite.config.ts)
 * inlines messageLength; its rename field keeps a literal maxlength="200" (titleLength), since a
 * bound attribute would cost bytes in a bundle at its size budget.
 */
export const LIMITS = {
  titleLength: 200,
  systemPromptLength: 8000,
  messageLength: 16000,
  // The most ATTACHMENTS_PER_MESSAGE may be; the setting chooses within it.
  attachmentsPerMessage: 20,
  searchLength: 200,
  feedbackCommentLength: 2000,
  snippetLength: 200,
  sessionsPage: { default: 20, max: 100 },
  messagesPage: { default: 50, max: 200 },
} as const;
