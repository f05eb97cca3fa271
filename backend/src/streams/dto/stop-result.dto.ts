import { ApiProperty } from '@nestjs/swagger';

export class StopResultDto {
  @ApiProperty({ format: 'uuid' }) session_id: string;
  @ApiProperty({ format: 'uuid', description: 'The answer that was in flight; it is stored by the time this returns.' })
  assistant_message_id: string;
}
