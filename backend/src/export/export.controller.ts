import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import { ExportQuery, SessionExportDto } from './dto/export.dto.js';
import { ExportService } from './export.service.js';

@ApiTags('sessions')
@ApiBearerAuth()
@ApiExtraModels(SessionExportDto)
@Controller('api/chat/sessions')
export class ExportController {
  constructor(private readonly exports: ExportService) {}

  @Get(':id/export')
  @ApiOperation({
    summary: 'Download a session as Markdown or JSON',
    description:
      'The whole conversation, oldest first, as an attachment (`Content-Disposition`, an ASCII file name). ' +
      'Archived sessions can be exported too.',
  })
  @ApiProduces('application/json', 'text/markdown')
  @ApiOkResponse({
    description: 'format=json: the session and its messages; format=md: Markdown.',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SessionExportDto) } },
      'text/markdown': { schema: { type: 'string' } },
    },
  })
  @ApiErrors('INVALID_ID', 'VALIDATION_FAILED', 'SESSION_NOT_FOUND')
  async export(
    @CurrentUser() user: AuthUser,
    @Param('id', SessionIdPipe) id: string,
    @Query() query: ExportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string | SessionExportDto> {
    const file = await this.exports.export(user, id, query.format);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    return file.body;
  }
}
