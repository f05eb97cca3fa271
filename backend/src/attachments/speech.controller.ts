import { pipeline } from 'node:stream/promises';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { SpeechRequestDto } from './dto/speech.dto.js';
import { SpeechService } from './speech.service.js';

@ApiTags('attachments')
@ApiBearerAuth()
@Controller('api/chat/speech')
export class SpeechController {
  constructor(private readonly speech: SpeechService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'An answer read aloud',
    description:
      'Audio of one of your answers, spoken by SPEECH_MODEL through an OpenAI-compatible /v1/audio/speech, ' +
      'streamed as it is made. Without SPEECH_MODEL: 404 SPEECH_NOT_CONFIGURED (the widget then uses the ' +
      "browser's speech synthesis).",
  })
  @ApiProduces('audio/mpeg')
  @ApiOkResponse({ description: 'The audio.', schema: { type: 'string', format: 'binary' } })
  @ApiErrors('SPEECH_NOT_CONFIGURED', 'MESSAGE_NOT_FOUND', 'TRANSCRIPTION_FAILED')
  async speak(
    @CurrentUser() user: AuthUser,
    @Body() body: SpeechRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    const { mediaType, audio } = await this.speech.speak(user, body.message_id, abort.signal);
    res.status(200);
    res.setHeader('Content-Type', mediaType);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    await pipeline(audio, res);
  }
}
