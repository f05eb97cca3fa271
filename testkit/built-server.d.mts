// Types for built-server.mjs.
import type { ChildProcess } from 'node:child_process';

export const BACKEND_DIR: string;
export const BACKEND_MAIN: string;
export const TEST_SERVER_ENV: { NODE_ENV: string; DEMO_MODE: string; LOG_LEVEL: string };

export function buildBackend(): Promise<void>;

export function freePort(): Promise<number>;

export interface BuiltServer {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  stop(graceMs?: number): Promise<void>;
}

export interface BuiltServerOptions {
  env: Record<string, string | undefined>;
  main?: string;
  cwd?: string;
  nodeArgs?: string[];
}

export function spawnBuiltServer(options: BuiltServerOptions): Promise<BuiltServer>;
export function waitReady(server: BuiltServer, options?: { path?: string; timeoutMs?: number }): Promise<BuiltServer>;
export function startBuiltServer(
  options: BuiltServerOptions,
  ready?: { path?: string; timeoutMs?: number },
): Promise<BuiltServer>;
export function createPostgresDatabase(
  adminUrl: string,
  prefix?: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }>;

export interface Balancer {
  url: string;
  output(): string;
  command(line: string): Promise<string>;
  drain(name: string): Promise<string>;
  ready(name: string): Promise<string>;
  stop(): Promise<void>;
}

export function startBalancer(servers: { name: string; port: number }[]): Promise<Balancer>;
