/** Starts `npm start`'s server (local/start.ts) as its own process, as a user would, on a free port. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

export interface LocalServer {
  url: string;
  output: () => string;
  /** Resolves once the server says it is running (at once if it already has). */
  ready: Promise<void>;
  /**
   * The run's secrets for the privacy scan: every token the sandbox's Slack stand-in issued and
   * the app's client secret (the server writes them down as it issues them, for tests only).
   */
  secrets(): string[];
  stop(): Promise<void>;
}

let servers = 0;

const STARTING = /snap: starting on (http:\/\/localhost:\d+)/;
const RUNNING = /Slack endpoint: (http:\/\/localhost:\d+)\/slack\/commands/;

/**
 * Starts the server and resolves once it is running, or, with `listening`, as soon as it has
 * its port (while the pipeline is still starting).
 */
export async function startLocalServer(
  args: string[] = [],
  env: Record<string, string> = {},
  options: { listening?: boolean } = {},
): Promise<LocalServer> {
  mkdirSync('test-output/sandbox', { recursive: true });
  const secretsFile = `test-output/sandbox/secrets-${process.pid}-${++servers}.json`;
  const child: ChildProcess = spawn(
    process.execPath,
    ['scripts/run-ts.mjs', 'local/start.ts', '--port', '0', ...args],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        SNAP_SANDBOX_SECRETS_FILE: secretsFile,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
      const check = () => {
        const match = pattern.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      check();
      child.stdout?.on('data', check);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited ${code}:\n${output}`));
      });
    });
  const running = waitFor(RUNNING);
  const ready = running.then(() => undefined);
  // A server stopped before it ran rejects `ready`, which its caller may never await.
  ready.catch(() => undefined);
  const url = await (options.listening ? waitFor(STARTING) : running);
  return {
    url,
    output: () => output,
    ready,
    secrets: () =>
      existsSync(secretsFile) ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as string[]) : [],
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Collects the sandbox page's server-sent events. */
export async function subscribe(
  url: string,
): Promise<{ events: Array<{ type: string; data: Record<string, unknown> }>; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/events`, { signal: controller.signal });
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? '{}';
          events.push({ type, data: JSON.parse(data) as Record<string, unknown> });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // closed
    }
  })();
  return { events, close: () => controller.abort() };
}
