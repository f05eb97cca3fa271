import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { CLEAN_TEXT_NOTE, IsCleanText } from '../../common/clean-text.js';

export class MintTokenDto {
  @ApiProperty({ format: 'uuid', description: 'The public.users id of the visitor the widget will act for.' })
  @IsUUID()
  user_id: string;

  @ApiPropertyOptional({ maxLength: 320 })
  @IsOptional()
  @IsEmail()
  @IsCleanText()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ maxLength: 200, description: CLEAN_TEXT_NOTE })
  @IsOptional()
  @IsString()
  @IsCleanText()
  @MaxLength(200)
  display_name?: string;
}

export class MintedTokenDto {
  @ApiProperty() token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: 'Bearer';
  @ApiProperty({ description: 'Seconds until expiry (JWT_EXPIRE_MINUTES).' }) expires_in: number;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
}
