import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { isEmail, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';
import { CLEAN_TEXT_NOTE, isCleanText, IsCleanText } from '../../common/clean-text.js';

export class MintTokenDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    description:
      "Your id for the visitor the widget will act for: a UUID is used as the public.users id as is; any other string (e.g. your sign-in provider's user id) is mapped to a stable UUID (see the README). " +
      CLEAN_TEXT_NOTE,
  })
  @IsString()
  @IsCleanText()
  @IsNotEmpty()
  @MaxLength(255)
  user_id: string;

  @ApiPropertyOptional({ maxLength: 320 })
  @IsOptional()
  // validator's isEmail throws (URI malformed, a 500) on a lone surrogate: only clean text is asked.
  @ValidateBy({
    name: 'isEmail',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && (!isCleanText(value) || isEmail(value)),
      defaultMessage: () => 'email must be an email',
    },
  })
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
  @ApiProperty({ format: 'uuid', description: 'The public.users id the token is for (its `sub`).' }) user_id: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: 'Bearer';
  @ApiProperty({ description: 'Seconds until expiry (JWT_EXPIRE_MINUTES).' }) expires_in: number;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
}
