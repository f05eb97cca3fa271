import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DENO = `${REPO_ROOT}node_modules/.bin/deno`;

export interface EdgeFunction {
  /** Origin of the local function server, e.g. `http://127.0.0.1:41889`; it answers on any path. */
  origin: string;
  /** Everything the function printed, for diagnosing a failed test. */
  output: string[];
  close(): Promise<void>;
}

/**
 * Runs supabase/functions/chat/index.ts under real Deno, as `supabase functions serve`
 * would, on a free port (PORT=0) chosen by Deno and read from its "Listening on" line.
 */
export async function startEdgeFunction(env: Record<string, string>): Promise<EdgeFunction> {
  const child = spawn(DENO, ['run', '--allow-net', '--allow-env', '--allow-read', 'supabase/functions/chat/index.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`deno did not start in 20 s:\n${output.join('')}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      const match = /Listening on https?:\/\/[^:\s]+:(\d+)/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`deno exited with ${code}:\n${output.join('')}`)));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    output,
    close: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
