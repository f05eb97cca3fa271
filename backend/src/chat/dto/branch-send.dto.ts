import { PickType } from '@nestjs/swagger';
import { SendMessageDto } from './send-message.dto.js';

/** POST .../messages/{id}/regenerate: the answer's settings, as in a send. */
export class RegenerateDto extends PickType(SendMessageDto, ['temperature', 'max_tokens', 'tools'] as const) {}

/** POST .../messages/{id}/edit: the question's new text, and the answer's settings, as in a send. */
export class EditMessageDto extends PickType(SendMessageDto, [
  'message',
  'temperature',
  'max_tokens',
  'tools',
] as const) {}
