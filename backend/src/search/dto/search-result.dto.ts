import { ApiProperty } from '@nestjs/swagger';

export class SearchHitDto {
  @ApiProperty({ format: 'uuid' }) session_id: string;
  @ApiProperty() session_title: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description:
      'The matching message (any version: open one off the active branch with POST /api/chat/sessions/{id}/branch); ' +
      'null when only the session title matched.',
  })
  message_id: string | null;
  @ApiProperty({ enum: ['system', 'user', 'assistant'], nullable: true, type: String })
  role: 'system' | 'user' | 'assistant' | null;
  @ApiProperty({ format: 'date-time', description: "The message's time, or the session's creation for a title hit." })
  created_at: string;
  @ApiProperty({
    maxLength: 200,
    description: 'Plain text (no markup) around the first match, at most 200 characters.',
  })
  snippet: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 },
    description:
      'The matched words in `snippet`: sorted [start, end) offsets in UTF-16 code units (as String.slice takes them).',
  })
  highlights: [number, number][];
}

export class SearchResultDto {
  @ApiProperty({ enum: ['list'] }) object: 'list';
  @ApiProperty({ type: [SearchHitDto], description: 'Newest first.' }) data: SearchHitDto[];
  @ApiProperty() has_more: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `after` for the next page; null on the last.' })
  next_cursor: string | null;
}
