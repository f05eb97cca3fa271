import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { MessageDto, SessionDto } from '../../sessions/dto/session.dto.js';

export class ExportQuery {
  @ApiPropertyOptional({ enum: ['json', 'md'], default: 'json', description: 'md = Markdown, json = the API shapes.' })
  @IsOptional()
  @IsIn(['json', 'md'])
  format: 'json' | 'md' = 'json';
}

export class SessionExportDto {
  @ApiProperty({ type: SessionDto }) session: SessionDto;
  @ApiProperty({ type: [MessageDto], description: 'Every message of the conversation, oldest first.' })
  messages: MessageDto[];
  @ApiProperty({ format: 'date-time' }) exported_at: string;
}
