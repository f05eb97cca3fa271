import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'pulse:isPublic';

/** Opens a route to callers without a token. Everything else is protected by the global guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
