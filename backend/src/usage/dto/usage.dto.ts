import { ApiProperty } from '@nestjs/swagger';

export class UsageDayDto {
  @ApiProperty({ example: '2026-12-05', description: 'A UTC day.' })
  day!: string;

  @ApiProperty({ description: 'Questions admitted: new messages, edits and regenerates.' })
  messages!: number;

  @ApiProperty({ description: 'Answers stored.' })
  answers!: number;

  @ApiProperty()
  prompt_tokens!: number;

  @ApiProperty()
  completion_tokens!: number;

  @ApiProperty()
  total_tokens!: number;
}

export class QuotaDto {
  @ApiProperty({ description: 'QUOTA_MESSAGES_PER_DAY; 0 = no quota.' })
  messages_per_day!: number;

  @ApiProperty({ description: 'QUOTA_TOKENS_PER_DAY; 0 = no quota.' })
  tokens_per_day!: number;

  @ApiProperty({ nullable: true, type: Number, description: 'Messages left today; null without a quota.' })
  messages_left!: number | null;

  @ApiProperty({ nullable: true, type: Number, description: 'Tokens left today; null without a quota.' })
  tokens_left!: number | null;

  @ApiProperty({ format: 'date-time', description: 'When today ends (midnight UTC) and the counts start again.' })
  resets_at!: string;
}

export class UsageDto {
  @ApiProperty({ type: UsageDayDto, description: 'Today (UTC) so far; zeros if nothing was sent.' })
  today!: UsageDayDto;

  @ApiProperty({ type: [UsageDayDto], description: 'The last 30 UTC days with any use, newest first.' })
  days!: UsageDayDto[];

  @ApiProperty({ type: QuotaDto })
  quota!: QuotaDto;
}
