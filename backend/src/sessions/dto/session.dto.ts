import { MessageAttachmentDto } from '../../attachments/dto/attachment.dto.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) system_prompt: string | null;
  @ApiProperty({ description: 'false = archived (hidden from the list unless include_archived=true).' })
  is_active: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', description: 'Changes on every edit and every new message.' })
  updated_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_message_at: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The last message of the active branch (null when there are no messages).',
  })
  current_leaf_id: string | null;
}

/**
 * The rating as it rides along on a MessageDto. Here, beside the message, because sessions own
 * the messages and the feedback module builds on sessions (its own FeedbackDto is the PUT's answer).
 */
export class MessageFeedbackDto {
  @ApiProperty({ enum: ['up', 'down'] }) rating: 'up' | 'down';
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) session_id: string;
  @ApiProperty({ description: 'Creation order in the session (1, 2, ...), across all its branches.' }) seq: number;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The message this one answers or follows; null for a first message.',
  })
  parent_id: string | null;
  @ApiProperty({
    type: [String],
    format: 'uuid',
    description:
      'The alternatives at this point: the children of the same parent with the same role (edits of a ' +
      'question, regenerations of an answer), oldest first, this message included. Choose one with ' +
      'POST /api/chat/sessions/{id}/branch.',
  })
  sibling_ids: string[];
  @ApiProperty({ minimum: 1, description: "This message's 1-based position in sibling_ids." })
  sibling_index: number;
  @ApiProperty({ enum: ['system', 'user', 'assistant'] }) role: 'system' | 'user' | 'assistant';
  @ApiProperty() content: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'provider, model, usage, latency_ms, finish_reason, interrupted (assistant messages), and what the model saw: ' +
      'context `{ messages, tokens, summary }` (stored messages sent, the question included; the prompt in tokens; ' +
      'whether a running summary was sent).',
  })
  metadata: Record<string, unknown>;
  @ApiPropertyOptional({
    type: [MessageAttachmentDto],
    description:
      'Files sent with a user message (POST /api/chat/send `attachment_ids`), in the order sent; fetch each from its `url`. ' +
      'Present on reads (a session, its messages).',
  })
  attachments?: MessageAttachmentDto[];
  @ApiPropertyOptional({
    type: MessageFeedbackDto,
    nullable: true,
    description:
      "The owner's rating (PUT /api/chat/messages/{id}/feedback); null when unrated. Present on reads (a session, its messages, an export).",
  })
  feedback?: MessageFeedbackDto | null;
}

export class SessionWithMessagesDto extends SessionDto {
  @ApiProperty({
    type: [MessageDto],
    description: 'The latest `limit` messages of the active branch (first message to current_leaf_id), oldest first.',
  })
  messages: MessageDto[];
  @ApiProperty({ description: 'Older messages exist: page them with GET /api/chat/sessions/{id}/messages.' })
  has_more: boolean;
}

export class SearchMatchDto {
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'A message that matches; null when only the title does.',
  })
  message_id: string | null;
  @ApiProperty({ maxLength: 200, description: 'Plain text (no markup) around the match, at most 200 characters.' })
  snippet: string;
}

export class SessionListItemDto extends SessionDto {
  @ApiPropertyOptional({ type: SearchMatchDto, nullable: true, description: 'Only when searching (`q`).' })
  match?: SearchMatchDto | null;
}

export class SessionListDto {
  @ApiProperty({ enum: ['list'] }) object: 'list';
  @ApiProperty({ type: [SessionListItemDto] }) data: SessionListItemDto[];
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) first_id: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Pass as `after` for the next page.',
  })
  last_id: string | null;
  @ApiProperty() has_more: boolean;
}

export class MessageListDto {
  @ApiProperty({ enum: ['list'] }) object: 'list';
  @ApiProperty({ type: [MessageDto] }) data: MessageDto[];
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) first_id: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Pass as `after` for the next page.' })
  last_id: string | null;
  @ApiProperty() has_more: boolean;
}
