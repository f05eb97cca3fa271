import { Injectable } from '@nestjs/common';

/**
 * Set once SIGTERM arrives: readiness fails at once (the balancer stops sending here) and
 * new sends are refused with 503 SHUTTING_DOWN (the balancer retries them elsewhere), while
 * the answers already in flight go on.
 */
@Injectable()
export class Draining {
  active = false;
}
