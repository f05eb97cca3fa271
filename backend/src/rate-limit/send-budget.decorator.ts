import { SetMetadata } from '@nestjs/common';

export const SEND_BUDGET = 'pulse:sendBudget';

/** Charges the route to the sends budget (RATE_LIMIT_SENDS_PER_MINUTE) as well as the user's shared one. */
export const SendBudget = () => SetMetadata(SEND_BUDGET, true);
