import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';
import { LIMITS } from '../../sessions/dto/limits.js';

export class PutFeedbackDto {
  @ApiProperty({ enum: ['up', 'down'] })
  @IsIn(['up', 'down'])
  rating: 'up' | 'down';

  @ApiPropertyOptional({
    maxLength: LIMITS.feedbackCommentLength,
    nullable: true,
    type: String,
    description: `Why. Omitted or null: no comment (a PUT replaces the previous one). ${CLEAN_TEXT_NOTE}`,
  })
  @ValidateIf((_o, v) => v !== null)
  @IsOptional()
  @IsString()
  @IsCleanText()
  @MaxLength(LIMITS.feedbackCommentLength)
  comment?: string | null;
}

export class FeedbackDto {
  @ApiProperty({ format: 'uuid' }) message_id: string;
  @ApiProperty({ enum: ['up', 'down'] }) rating: 'up' | 'down';
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}
