import { Injectable, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AppError } from '../common/app-error.js';

/** A malformed attachment id is a 400 naming the field, not a 404. */
@Injectable()
export class AttachmentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value)) throw new AppError('INVALID_ID', 'The attachment id must be a UUID.', { field: 'id' });
    return value.toLowerCase();
  }
}
