import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class ChooseBranchDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Any message of the session: the branch through it (then down its newest replies) becomes active.',
  })
  @IsUUID()
  message_id: string;
}
