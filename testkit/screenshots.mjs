// The README's screenshots are taken by the widget's tests, which also check them (size, layout).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a test writes its screenshots: the tracked folder `tracked` only when asked
 * (UPDATE_SCREENSHOTS=1), otherwise a temporary folder removed when the process exits, so an
 * ordinary test run leaves the working tree as it found it.
 */
export function screenshotDir(tracked) {
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(tracked, { recursive: true });
    return tracked;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pulse-screenshots-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
