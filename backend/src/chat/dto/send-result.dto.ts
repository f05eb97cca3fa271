import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class UsageDto {
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() completion_tokens: number;
  @ApiProperty() total_tokens: number;
}

/** A file (or a page of one) the answer was given, as the AI SDK's `source-document` part names it. */
export class AnswerSourceDto {
  @ApiProperty({ description: 'The attachment id, with `:p<page>` for a page of a long document.' }) source_id: string;
  @ApiProperty() media_type: string;
  @ApiProperty({ example: 'manual.pdf, page 12' }) title: string;
  @ApiProperty() filename: string;
  @ApiProperty({ nullable: true, type: Number, description: 'The page the passages came from; null for a whole file.' })
  page: number | null;
}

/** A call of one of the page's tools the model made, and where it stands. */
export class ToolCallDto {
  @ApiProperty({ example: 'call_abc123' }) id: string;
  @ApiProperty({ example: 'add_to_cart' }) name: string;
  @ApiProperty({ description: 'The arguments (parsed JSON; the raw text when the model wrote no valid JSON).' })
  input: unknown;
  @ApiProperty({
    enum: ['input-available', 'input-error', 'output-available', 'output-error', 'output-denied'],
    description:
      'input-available: the page should run it; input-error: refused (unknown tool, arguments not JSON or not fitting ' +
      'the schema), the page answers with `error`; output-*: answered.',
  })
  state: string;
  @ApiProperty({ description: '1 for the answer’s first calls, 2 for the calls after their results, …' }) round: number;
  @ApiPropertyOptional({ description: 'What the page returned.' }) output?: unknown;
  @ApiPropertyOptional({ description: 'Why the call failed or was refused.' }) error?: string;
}

export class SendResultDto {
  @ApiProperty({ description: "The assistant's answer." }) response: string;
  @ApiProperty({ format: 'uuid' }) session_id: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'This send created the session.' }) created_session: boolean;
  @ApiProperty({ format: 'uuid' }) user_message_id: string;
  @ApiProperty({ format: 'uuid' }) assistant_message_id: string;
  @ApiProperty({ example: 'stop' }) finish_reason: string;
  @ApiProperty({
    description:
      'The answer was cut short: stopped (POST /api/chat/sessions/{id}/stop), or its server shut down or died.',
  })
  interrupted: boolean;
  @ApiPropertyOptional({ type: UsageDto, nullable: true }) usage: UsageDto | null;
  @ApiProperty({ enum: ['supabase', 'openai', 'demo'] }) provider: string;
  @ApiProperty() model: string;
  @ApiProperty({ description: 'This result was stored earlier and replayed for a repeated Idempotency-Key.' })
  replayed: boolean;
  @ApiPropertyOptional({
    type: [AnswerSourceDto],
    description:
      'The attached files the model was given (a whole file, or for a long one each page its passages came from). ' +
      'Absent when the question had no files.',
  })
  sources?: AnswerSourceDto[];
  @ApiPropertyOptional({
    type: [ToolCallDto],
    description:
      "Calls of the page's tools (the send's `tools`) the model made; with `awaiting_tool_results` the answer " +
      'continues once POST /api/chat/sessions/{id}/tool-results has a result for each.',
  })
  tool_calls?: ToolCallDto[];
  @ApiPropertyOptional({
    description: 'The answer waits for the results of `tool_calls` (finish_reason `tool_calls`).',
  })
  awaiting_tool_results?: boolean;
}
