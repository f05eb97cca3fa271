import { ApiProperty } from '@nestjs/swagger';

export class ConversationMessageDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: ['system', 'user', 'assistant'] })
  role!: string;

  @ApiProperty()
  content!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}

export class ConversationDto {
  @ApiProperty({ format: 'uuid' })
  session_id!: string;

  @ApiProperty({ type: [ConversationMessageDto], description: 'Oldest first, every branch, at most 500.' })
  messages!: ConversationMessageDto[];
}
