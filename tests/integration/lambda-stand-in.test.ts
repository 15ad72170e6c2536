/**
 * The Lambda stand-in's reserved concurrency, over HTTP as ack's SDK calls it: asynchronous events
 * beyond the reservation wait in the queue, first in first out, and one that waited past its
 * age is dropped unrun to the on-failure destination — as Lambda does (the benchmarks' pool).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LambdaStandIn, startLambda } from '../../local/lambda-stand-in';
import { until } from '../support/wait';

let lambda: LambdaStandIn;

beforeAll(async () => {
  lambda = await startLambda();
});

afterAll(async () => {
  await lambda.close();
});

const invokeAsync = (name: string, payload: unknown) =>
  fetch(`${lambda.url}/2015-03-31/functions/${name}/invocations`, {
    method: 'POST',
    headers: { 'x-amz-invocation-type': 'Event' },
    body: JSON.stringify(payload),
  });

describe('the Lambda stand-in with a reserved concurrency', () => {
  it('runs at most that many events at once and the rest in the order they came', async () => {
    // Prepare: each run waits until it is let go.
    const started: number[] = [];
    const finish: Array<() => void> = [];
    let running = 0;
    let peak = 0;
    lambda.register(
      'pool',
      async (event) => {
        started.push((event as { n: number }).n);
        peak = Math.max(peak, ++running);
        await new Promise<void>((resolve) => finish.push(resolve));
        running--;
      },
      { reservedConcurrency: 2 },
    );

    // Act
    for (let n = 0; n < 5; n++) expect((await invokeAsync('pool', { n })).status).toBe(202);
    await until(() => (started.length === 2 ? true : undefined), 2_000);
    const whileFull = [...started];
    while (started.length < 5 || finish.length > 0) {
      finish.shift()?.();
      await new Promise((r) => setTimeout(r, 10));
    }
    await lambda.settled();

    // Assess
    expect(whileFull).toEqual([0, 1]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('drops an event that waited in the queue past its age, unrun', async () => {
    // Prepare: one run holds the only execution for longer than the age allows.
    const ran: number[] = [];
    let release = () => {};
    lambda.register(
      'aged',
      async (event) => {
        ran.push((event as { n: number }).n);
        if (ran.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      { reservedConcurrency: 1, maxEventAgeMs: 100, retries: 0 },
    );

    // Act
    await invokeAsync('aged', { n: 0 });
    await invokeAsync('aged', { n: 1 });
    await new Promise((r) => setTimeout(r, 200));
    release();
    await lambda.settled();

    // Assess
    expect(ran).toEqual([0]);
    expect(lambda.failed.map((f) => [f.requestPayload, f.requestContext.condition])).toEqual([
      [{ n: 1 }, 'EventAgeExceeded'],
    ]);
  });
});
