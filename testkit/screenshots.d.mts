// Types for screenshots.mjs.

export function screenshotDir(tracked: string): string;
