/**
 * Virtual time for the timing logic: `sleep` parks until the clock is moved, and `drive` runs
 * a promise to completion by jumping straight to the next timer whenever everything else waits.
 */
import type { Clock } from '../../shared/app/ports';

export class FakeClock implements Clock {
  private timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  private seq = 0;
  readonly sleeps: number[] = [];

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  /** Moves the clock on to `at` (never back), as time passing with nothing to do. */
  set(at: number): void {
    this.current = Math.max(this.current, at);
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.timers.push({ at: this.current + Math.max(0, ms), seq: this.seq++, resolve });
    });
  }

  /** Runs `work` to completion in virtual time. */
  async drive<T>(work: Promise<T>): Promise<T> {
    let done = false;
    let result: { value: T } | { error: unknown } | undefined;
    work.then(
      (value) => {
        done = true;
        result = { value };
      },
      (error: unknown) => {
        done = true;
        result = { error };
      },
    );
    for (let guard = 0; guard < 100_000; guard++) {
      await new Promise((r) => setImmediate(r));
      if (done) break;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error('work is stuck: nothing to wait for and not finished');
      this.current = Math.max(this.current, next.at);
      next.resolve();
    }
    if (!result) throw new Error('work did not finish');
    if ('error' in result) throw result.error;
    return result.value;
  }
}
