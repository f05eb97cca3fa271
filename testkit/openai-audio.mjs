// The audio half of the OpenAI stub: POST /v1/audio/transcriptions and POST /v1/audio/speech,
// in OpenAI's wire formats. Plain ESM on node: built-ins, so Deno can import it too.
import { createHash } from 'node:crypto';
import { errorBody, readRaw, sendJson, watchAbort } from './openai-wire.mjs';

/** The file extensions OpenAI's transcription endpoint takes; any other name is refused with 400. */
const TRANSCRIPTION_EXTENSIONS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'];
const TRANSCRIPTION_FORMATS = ['json', 'text', 'verbose_json'];
const SPEECH_MAX_INPUT_CHARS = 4096;
const SPEECH_FORMATS = { mp3: 'audio/mpeg', wav: 'audio/wav' };

// One MPEG-1 Layer III frame: 128 kbit/s, 44.1 kHz, mono, no CRC, no padding. A header and
// zeroed side info and data decode as 26 ms of silence, so players and sniffers accept it.
const MP3_FRAME_BYTES = 417;
const MP3_FRAME_SECONDS = 1152 / 44100;
const MP3_FRAME = (() => {
  const frame = Buffer.alloc(MP3_FRAME_BYTES);
  frame.set([0xff, 0xfb, 0x90, 0xc4]);
  return frame;
})();

/** `frames` silent MP3 frames, back to back: what the stub's speech endpoint sends for mp3. */
export function silentMp3(frames) {
  return Buffer.concat(Array.from({ length: frames }, () => MP3_FRAME));
}

/** A 16-bit mono 8 kHz WAV of silence lasting as long as `frames` MP3 frames. */
function silentWav(frames) {
  const samples = Math.round(frames * MP3_FRAME_SECONDS * 8000);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples * 2, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples * 2, 40);
  return Buffer.concat([header, Buffer.alloc(samples * 2)]);
}

/** The transcript when none is scripted: deterministic, from the file's name and size. */
export function defaultTranscript(filename, size) {
  return `Transcript of ${filename} (${size} bytes).`;
}

/** Seconds of audio the stub pretends a file holds: as if it were 128 kbit/s. */
function defaultDuration(size) {
  return Math.max(0.1, Math.round((size / 16000) * 100) / 100);
}

/** Frames the stub speaks for `input` when none are scripted: about one per four characters. */
function defaultFrames(input) {
  return Math.min(200, Math.max(4, Math.ceil(input.length / 4)));
}

function badRequest(res, message, param = null) {
  sendJson(res, 400, errorBody(400, message, { param }));
}

/**
 * The audio endpoints' scripts and records. `wait(ms)` is the server's cancellable delay,
 * `isClosed()` whether close() has run, `authorized(req)` whether the request's key passes.
 */
export function createAudioRoutes({ wait, isClosed, authorized }) {
  const transcriptionQueue = [];
  const speechQueue = [];
  const transcriptions = [];
  const speeches = [];

  async function handleTranscription(req, res) {
    const raw = await readRaw(req);
    const contentType = req.headers['content-type'] ?? '';
    const record = {
      headers: { ...req.headers },
      fields: {},
      file: undefined,
      model: undefined,
      receivedAt: Date.now(),
      aborted: false,
    };
    transcriptions.push(record);
    watchAbort(res, record);
    if (!authorized(req)) {
      sendJson(res, 401, errorBody(401, 'Incorrect API key provided.'));
      return;
    }
    if (!/^multipart\/form-data/i.test(contentType)) {
      badRequest(res, 'Invalid Content-Type header; expected multipart/form-data.');
      return;
    }
    let form;
    try {
      // The platform's own multipart parser (undici in Node, Deno's in Deno): no package needed.
      form = await new Request('http://stub.local/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: raw,
      }).formData();
    } catch {
      badRequest(res, 'Could not parse multipart form');
      return;
    }
    let file;
    for (const [name, value] of form) {
      if (typeof value === 'string') record.fields[name] = value;
      else if (name === 'file') file = value;
    }
    record.model = record.fields.model;
    if (file) {
      const bytes = Buffer.from(await file.arrayBuffer());
      record.file = {
        name: file.name,
        type: file.type,
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    }

    if (!record.file) {
      badRequest(res, "Missing required parameter: 'file'.", 'file');
      return;
    }
    if (!record.model) {
      badRequest(res, 'you must provide a model parameter', 'model');
      return;
    }
    const extension = /\.([^.]+)$/.exec(record.file.name)?.[1]?.toLowerCase();
    if (!extension || !TRANSCRIPTION_EXTENSIONS.includes(extension)) {
      badRequest(res, `Invalid file format. Supported formats: ${JSON.stringify(TRANSCRIPTION_EXTENSIONS)}`, 'file');
      return;
    }
    const format = record.fields.response_format ?? 'json';
    if (!TRANSCRIPTION_FORMATS.includes(format)) {
      badRequest(res, `The stub answers response_format ${TRANSCRIPTION_FORMATS.join(', ')}, not ${format}.`);
      return;
    }

    const behavior = transcriptionQueue.shift() ?? { kind: 'text' };
    if (behavior.kind === 'error') {
      const status = behavior.status ?? 500;
      sendJson(res, status, errorBody(status, behavior.message, behavior));
      return;
    }
    if (behavior.kind === 'hang') return;
    if (behavior.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html><body>502 Bad Gateway</body></html>');
      return;
    }

    await wait(behavior.delayMs ?? 0);
    if (isClosed() || res.destroyed) return;
    const text = behavior.text ?? defaultTranscript(record.file.name, record.file.size);
    const duration = behavior.duration ?? defaultDuration(record.file.size);
    if (format === 'text') {
      // As OpenAI does: the bare transcript and a newline.
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${text}\n`);
    } else if (format === 'verbose_json') {
      sendJson(res, 200, {
        task: 'transcribe',
        language: record.fields.language ?? 'english',
        duration,
        text,
        segments: [
          {
            id: 0,
            seek: 0,
            start: 0,
            end: duration,
            text: ` ${text}`,
            tokens: [],
            temperature: 0,
            avg_logprob: -0.2,
            compression_ratio: 1,
            no_speech_prob: 0.01,
          },
        ],
        usage: { type: 'duration', seconds: Math.ceil(duration) },
      });
    } else {
      sendJson(res, 200, { text, usage: { type: 'duration', seconds: Math.ceil(duration) } });
    }
  }

  async function handleSpeech(req, res) {
    const raw = (await readRaw(req)).toString('utf8');
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      badRequest(res, 'We could not parse the JSON body of your request.');
      return;
    }
    const record = { headers: { ...req.headers }, body, receivedAt: Date.now(), aborted: false };
    speeches.push(record);
    watchAbort(res, record);
    if (!authorized(req)) {
      sendJson(res, 401, errorBody(401, 'Incorrect API key provided.'));
      return;
    }
    const refusal = speechRefusal(body);
    if (refusal) {
      badRequest(res, refusal.message, refusal.param);
      return;
    }

    const behavior = speechQueue.shift() ?? { kind: 'audio' };
    if (behavior.kind === 'error') {
      const status = behavior.status ?? 500;
      sendJson(res, status, errorBody(status, behavior.message, behavior));
      return;
    }
    if (behavior.kind === 'hang') return;

    const format = body.response_format ?? 'mp3';
    const frames = behavior.frames ?? defaultFrames(body.input);
    const audio = format === 'wav' ? silentWav(frames) : silentMp3(frames);
    const chunkBytes = (behavior.chunkFrames ?? 4) * MP3_FRAME_BYTES;
    const chunks = [];
    for (let at = 0; at < audio.length; at += chunkBytes) chunks.push(audio.subarray(at, at + chunkBytes));

    await wait(behavior.firstByteDelayMs ?? 0);
    if (isClosed() || res.destroyed) return;
    // No Content-Length: the audio goes out chunked, as OpenAI streams it while it is made.
    res.writeHead(200, { 'content-type': SPEECH_FORMATS[format], 'transfer-encoding': 'chunked' });
    const limit = behavior.kind === 'cut' ? Math.min(behavior.afterChunks ?? 1, chunks.length) : chunks.length;
    for (let i = 0; i < limit; i += 1) {
      if (i > 0) await wait(behavior.chunkDelayMs ?? 0);
      if (isClosed() || res.destroyed) return;
      res.write(chunks[i]);
    }
    if (behavior.kind === 'cut') {
      await wait(20);
      res.socket?.destroy();
      res.destroy();
      return;
    }
    res.end();
  }

  return {
    transcriptions,
    speeches,
    handleTranscription,
    handleSpeech,
    enqueueTranscription: (behavior) => transcriptionQueue.push(behavior),
    enqueueSpeech: (behavior) => speechQueue.push(behavior),
    reset() {
      transcriptionQueue.length = 0;
      speechQueue.length = 0;
      transcriptions.length = 0;
      speeches.length = 0;
    },
  };
}

/** What OpenAI would refuse in a speech request body, with the parameter it names. */
function speechRefusal(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { message: 'The request body must be a JSON object.', param: null };
  }
  if (typeof body.model !== 'string' || body.model === '') {
    return { message: 'you must provide a model parameter', param: 'model' };
  }
  if (typeof body.input !== 'string' || body.input === '') {
    return { message: "Missing required parameter: 'input'.", param: 'input' };
  }
  if (body.input.length > SPEECH_MAX_INPUT_CHARS) {
    return {
      message: `'${body.input.slice(0, 20)}...' is too long - 'input': at most ${SPEECH_MAX_INPUT_CHARS} characters`,
      param: 'input',
    };
  }
  if (typeof body.voice !== 'string' || body.voice === '') {
    return { message: "Missing required parameter: 'voice'.", param: 'voice' };
  }
  if (body.response_format !== undefined && !Object.hasOwn(SPEECH_FORMATS, body.response_format)) {
    return {
      message: `The stub speaks response_format ${Object.keys(SPEECH_FORMATS).join(', ')}, not ${body.response_format}.`,
      param: 'response_format',
    };
  }
  if (body.speed !== undefined && (typeof body.speed !== 'number' || body.speed < 0.25 || body.speed > 4)) {
    return { message: `${JSON.stringify(body.speed)} is not a valid speed: from 0.25 to 4.0`, param: 'speed' };
  }
  return undefined;
}
