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
}
