import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class AdminTokenRequestDto {
  @ApiProperty({ description: 'PULSE_ADMIN_KEY', minLength: 1, maxLength: 512 })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  key!: string;
}

export class AdminTokenDto {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <token>` to /api/admin/* routes.' })
  token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ description: 'Seconds until it expires (ADMIN_TOKEN_MINUTES).' })
  expires_in!: number;

  @ApiProperty({ format: 'date-time' })
  expires_at!: string;
}
