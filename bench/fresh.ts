/** The cold half of the answer, home, modal and reveal parts: each run on a freshly started function. */
import { isolatedFunction } from '../local/function-process';
import type { Pipeline } from '../local/pipeline';

/**
 * 20 runs, each reaching function `name` (the poster bundle, 256 MB, no retries) freshly started in
 * a process of its own — Node's start, the bundle's import, its init — as after a deploy or a quiet
 * spell; returns each run's figure. `settle`: the invocations a run started are waited for before
 * its function is closed.
 */
export async function onFreshFunction(
  p: Pipeline,
  distDir: string,
  name: 'snap-poster' | 'snap-controls',
  timeoutMs: number,
  run: (i: number) => Promise<number>,
  settle = true,
): Promise<number[]> {
  const figures: number[] = [];
  for (let i = 0; i < 20; i++) {
    const fresh = isolatedFunction(`${distDir}/poster/index.mjs`, { memoryMb: 256 });
    p.lambda.register(name, fresh.fn, { timeoutMs, retries: 0 });
    try {
      figures.push(await run(i));
      if (settle) await p.lambda.settled();
    } finally {
      fresh.close();
    }
  }
  return figures;
}
