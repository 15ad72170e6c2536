/**
 * Runs a built bundle in execution environments of its own (child processes, reused while
 * warm, as Lambda reuses them), so that the crash tests can kill a function mid-run the way an
 * out-of-memory kill or a timeout does: nothing after that point happens, and Lambda's retry
 * starts in a fresh environment. Their log lines reach this process's stdout, where the tests
 * capture logs.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Context } from 'aws-lambda';
import type { LocalFunction } from './lambda-stand-in';

export interface IsolatedFunction {
  fn: LocalFunction;
  /** Emits 'line' for every line a run writes (its structured logs). */
  output: EventEmitter;
  /** The highest peak resident set any environment reported after a run (KB). */
  peakRssKb(): number;
  /** The highest V8 heap plus buffers in use any environment saw (bytes, sampled every 50 ms). */
  peakHeapBytes(): number;
  /**
   * CPU time (ms, user and system) every environment has used in invocations, as of each one's
   * last invocation's end (its start-up, bundle and configuration loaded, left out).
   */
  cpuMs(): number;
  /**
   * Kills every environment now running an invocation (SIGKILL) — or only those whose event
   * matches `which` — and returns how many.
   */
  killRunning(which?: (event: unknown) => boolean): number;
  close(): void;
}

class FunctionError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const HOST = resolve('local/function-host.mjs');

interface HostMessage {
  id?: number;
  result?: unknown;
  error?: Record<string, string>;
  maxRssKb?: number;
  peakHeapBytes?: number;
  cpuMs?: number;
}

export interface IsolatedOptions {
  /**
   * The function's memory size (MB, as in infra/). The environment then starts Node as the
   * Lambda Node.js runtime does for it: V8's heap sized from that memory (`lambdaNodeFlags`),
   * source maps enabled as infra sets NODE_OPTIONS. Without it, Node sizes its heap for this
   * machine (a 4 GB old space here) and grows and returns memory as lazily as that allows.
   */
  memoryMb?: number;
}

/**
 * The V8 flags Lambda's Node.js runtime bootstrap derives from the function's memory size:
 * new space a tenth of it, the old space the rest. The semi-space is half the new space here,
 * as the runtimes' bootstrap has long set it; nodejs24.x's gives the young generation a
 * smaller share, so this errs on the side of more memory.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

export function isolatedFunction(bundlePath: string, options: IsolatedOptions = {}): IsolatedFunction {
  const output = new EventEmitter();
  const idle: ChildProcess[] = [];
  /** Environments running an invocation, with its event. */
  const busy = new Map<ChildProcess, unknown>();
  let sequence = 0;
  let peakRssKb = 0;
  let peakHeapBytes = 0;
  /** CPU used by each environment: when it was ready, and as of its last invocation. */
  const started = new Map<ChildProcess, number>();
  const cpu = new Map<ChildProcess, number>();

  const start = () =>
    new Promise<ChildProcess>((ready, failed) => {
      const { memoryMb } = options;
      const child = fork(HOST, [resolve(bundlePath)], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        ...(memoryMb
          ? {
              execArgv: lambdaNodeFlags(memoryMb),
              env: {
                ...process.env,
                AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
                NODE_OPTIONS: '--enable-source-maps',
              },
            }
          : { env: process.env }),
      });
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        createInterface({ input: stream }).on('line', (line) => {
          (stream === child.stdout ? process.stdout : process.stderr).write(`${line}\n`);
          output.emit('line', line);
        });
      }
      const early = (code: number | null, signal: string | null) =>
        failed(new FunctionError('Runtime.ExitError', `Runtime exited during init: ${signal ?? code}`));
      child.once('exit', early);
      child.once('message', (message: HostMessage) => {
        child.off('exit', early);
        started.set(child, message.cpuMs ?? 0);
        ready(child);
      });
    });

  const fn: LocalFunction = async (event, context: Context) => {
    const child = idle.pop() ?? (await start());
    busy.set(child, event);
    const id = ++sequence;
    const timeoutMs = context.getRemainingTimeInMillis();
    try {
      return await new Promise((done, failed) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          failed(new FunctionError('Sandbox.Timedout', `Task timed out after ${timeoutMs / 1000} seconds`));
        }, timeoutMs);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          failed(new FunctionError('Runtime.ExitError', `Runtime exited with error: ${signal ?? code}`));
        });
        child.on('message', (message: HostMessage) => {
          if (message.id !== id) return;
          clearTimeout(timer);
          peakRssKb = Math.max(peakRssKb, message.maxRssKb ?? 0);
          peakHeapBytes = Math.max(peakHeapBytes, message.peakHeapBytes ?? 0);
          if (message.cpuMs !== undefined) cpu.set(child, message.cpuMs);
          if (message.error)
            failed(new FunctionError(message.error.errorType ?? 'Error', message.error.errorMessage ?? ''));
          else done(message.result);
        });
        // Functions do not cross process boundaries; the host rebuilds the one that matters.
        const { getRemainingTimeInMillis: _, done: _d, fail: _f, succeed: _s, ...fields } = context;
        child.send({ id, event, timeoutMs, context: fields });
      });
    } finally {
      busy.delete(child);
      child.removeAllListeners('message');
      child.removeAllListeners('exit');
      if (child.exitCode === null && child.signalCode === null) idle.push(child);
    }
  };

  return {
    fn,
    output,
    peakRssKb: () => peakRssKb,
    peakHeapBytes: () => peakHeapBytes,
    cpuMs: () => [...cpu].reduce((sum, [child, ms]) => sum + ms - (started.get(child) ?? 0), 0),
    killRunning: (which) => {
      let killed = 0;
      for (const [child, event] of busy) {
        if (which && !which(event)) continue;
        child.kill('SIGKILL');
        killed++;
      }
      return killed;
    },
    close: () => {
      for (const child of [...idle, ...busy.keys()]) child.kill('SIGKILL');
      idle.length = 0;
    },
  };
}
