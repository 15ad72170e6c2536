/** ack warm: in-process handling of signed requests against the local stand-ins, Invoke included. */
import { lambdaContext } from '../local/lambda-stand-in';
import type { Pipeline } from '../local/pipeline';
import { fmt, judged, summary } from './stats';

export async function benchWarm(p: Pipeline, count = 2000): Promise<ReturnType<typeof summary>> {
  // The poster is not part of ack's latency; a no-op keeps 2,000 posts out of the way.
  p.lambda.register('snap-poster', async () => ({}));
  const events = Array.from({ length: count + 100 }, (_, i) =>
    p.commandEvent(`30s warm request ${i}`, { channel_id: `C-warm-${i % 10}` }),
  );
  const times: number[] = [];
  for (const [i, event] of events.entries()) {
    const started = performance.now();
    const result = await p.ack(event, lambdaContext('snap-ack', 3000));
    const ms = performance.now() - started;
    if (result.statusCode !== 200) throw new Error(`warm ack answered ${result.statusCode}`);
    if (i >= 100) times.push(ms); // the first 100 warm the JIT and the connection pools
  }
  await p.lambda.settled();
  const s = summary(times);
  console.log(
    `\nack warm (${count} signed requests in process, Invoke to the local Lambda stand-in included)`,
  );
  console.log(
    `  p50 ${fmt(s.p50, 2)}   p99 ${fmt(s.p99, 2)}   max ${fmt(s.max, 2)}   ${judged('p99 ≤ 10 ms', s.p99 <= 10)}`,
  );
  return s;
}
