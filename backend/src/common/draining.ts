import { Injectable } from '@nestjs/common';
import { AppError } from './app-error.js';

/**
 * Set once SIGTERM arrives: readiness fails at once (the balancer stops sending here) and
 * new sends are refused with 503 SHUTTING_DOWN (the balancer retries them elsewhere), while
 * the answers already in flight go on.
 */
@Injectable()
export class Draining {
  active = false;
}

export const shuttingDown = () =>
  new AppError('SHUTTING_DOWN', 'This server is shutting down; retry and another one will answer.');
