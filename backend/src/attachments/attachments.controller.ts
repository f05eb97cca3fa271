import { pipeline } from 'node:stream/promises';
import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { AttachmentGarbageJanitor } from './attachment-garbage.janitor.js';
import { AttachmentIdPipe } from './attachment-id.pipe.js';
import { AttachmentsService } from './attachments.service.js';
import { AttachmentDto, AttachmentsConfigDto } from './dto/attachment.dto.js';
import { UploadsService } from './uploads.service.js';

/** Types a browser may show in place; anything else downloads. Never HTML or SVG: those are refused at upload. */
const INLINE = /^(image\/(png|jpeg|webp|gif)|audio\/(webm|ogg))$/;

/** RFC 6266/5987: an ASCII fallback and the exact UTF-8 name. */
function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

@ApiTags('attachments')
@ApiBearerAuth()
@Controller('api/chat/attachments')
export class AttachmentsController {
  constructor(
    private readonly uploads: UploadsService,
    private readonly attachments: AttachmentsService,
    private readonly garbage: AttachmentGarbageJanitor,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Upload a file, image or voice message to send with a message',
    description:
      'multipart/form-data with one part named `file`. Streamed into the store, never held whole. The type is ' +
      'decided from the bytes, not the name: PNG, JPEG, WebP, GIF, PDF, DOCX, plain text, Markdown, CSV, ' +
      "WebM/Ogg audio (ATTACHMENT_TYPES); HTML and SVG are always refused. A document's text is read now " +
      '(`pages`, `tokens`), a voice message is transcribed now (`transcript`). Send it with POST /api/chat/send ' +
      '`attachment_ids`; unused, it is deleted at `expires_at`.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
  })
  @ApiCreatedResponse({ type: AttachmentDto })
  @ApiErrors(
    'ATTACHMENT_UPLOAD_INVALID',
    'ATTACHMENT_EMPTY',
    'ATTACHMENT_TYPE_NOT_ALLOWED',
    'ATTACHMENT_TYPE_MISMATCH',
    'ATTACHMENT_ACTIVE_CONTENT',
    'ATTACHMENT_ENCRYPTED',
    'ATTACHMENT_NO_TEXT',
    'ATTACHMENT_UNREADABLE',
    'ATTACHMENT_TOO_MANY_PAGES',
    'ATTACHMENT_NOT_SUPPORTED',
    'ATTACHMENT_TOO_LARGE',
    'ATTACHMENT_QUOTA_EXCEEDED',
    'TRANSCRIPTION_FAILED',
  )
  async upload(@CurrentUser() user: AuthUser, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      res.status(201).json(await this.uploads.upload(user, req));
    } catch (err) {
      // The rest of a refused body is not read: the connection closes after the answer.
      if (!req.complete) res.setHeader('Connection', 'close');
      throw err;
    }
  }

  @Get('config')
  @ApiOperation({ summary: 'What uploads may be: sizes, types, your quota, whether voice and speech work' })
  @ApiOkResponse({ type: AttachmentsConfigDto })
  config(@CurrentUser() user: AuthUser): Promise<AttachmentsConfigDto> {
    return this.attachments.limits(user);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Download one of your attachments',
    description:
      'The bytes with their type (decided at upload), `X-Content-Type-Options: nosniff` and a ' +
      '`Content-Disposition` naming the file: inline for images and audio, attachment otherwise. Someone ' +
      "else's attachment is a 404, as a missing one.",
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file.', schema: { type: 'string', format: 'binary' } })
  @ApiErrors('INVALID_ID', 'ATTACHMENT_NOT_FOUND')
  async download(
    @CurrentUser() user: AuthUser,
    @Param('id', AttachmentIdPipe) id: string,
    @Res() res: Response,
  ): Promise<void> {
    const { row, body } = await this.attachments.download(user, id);
    res.status(200);
    res.setHeader('Content-Type', row.media_type);
    res.setHeader('Content-Length', String(row.size_bytes));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader(
      'Content-Disposition',
      contentDisposition(INLINE.test(row.media_type) ? 'inline' : 'attachment', row.filename),
    );
    await pipeline(body, res);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take back an upload no message used yet' })
  @ApiNoContentResponse({ description: 'Deleted, with its file.' })
  @ApiErrors('INVALID_ID', 'ATTACHMENT_NOT_FOUND', 'ATTACHMENT_IN_USE')
  async delete(@CurrentUser() user: AuthUser, @Param('id', AttachmentIdPipe) id: string): Promise<void> {
    await this.attachments.delete(user, id);
    this.garbage.sweepSoon();
  }
}
