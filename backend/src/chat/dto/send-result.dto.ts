import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class UsageDto {
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() completion_tokens: number;
  @ApiProperty() total_tokens: number;
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
}
