import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class SpeechRequestDto {
  @ApiProperty({ format: 'uuid', description: 'An answer (assistant message) of yours to read aloud.' })
  @IsUUID()
  message_id: string;
}
