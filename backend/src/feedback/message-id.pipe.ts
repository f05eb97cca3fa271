import { Injectable, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AppError } from '../common/app-error.js';

/** A malformed message id is a 400 naming the field, not a database error or a 404. */
@Injectable()
export class MessageIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value)) throw new AppError('INVALID_ID', 'The message id must be a UUID.', { field: 'message_id' });
    return value.toLowerCase();
  }
}
