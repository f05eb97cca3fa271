import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { ForgetMissingUserInterceptor } from './forget-missing-user.interceptor.js';
import { JwtStrategy } from './jwt.strategy.js';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [PassportModule.register({ session: false }), RateLimitModule],
  controllers: [AuthController],
  providers: [
    UsersRepository,
    UsersService,
    TokenService,
    AuthService,
    JwtStrategy,
    { provide: APP_INTERCEPTOR, useClass: ForgetMissingUserInterceptor },
  ],
  exports: [TokenService, UsersService, JwtStrategy],
})
export class AuthModule {}
