import { Injectable, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AppError } from '../common/app-error.js';

/** A malformed endpoint or delivery id is a 400 naming the field, not a database error. */
@Injectable()
export class WebhookIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value)) throw new AppError('INVALID_ID', 'The id must be a UUID.', { field: 'id' });
    return value.toLowerCase();
  }
}
