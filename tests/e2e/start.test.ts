/**
 * `npm start` in sandbox mode, over real HTTP: a signed command → post → deletion on time →
 * record gone; the TTL path → reaper; and the taken-port error.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SANDBOX_SIGNING_SECRET } from '../../local/pipeline';
import { computeSignature } from '../../shared/domain/signature';
import { type LocalServer, startLocalServer, subscribe } from '../support/local-server';
import { writeLedger } from '../support/privacy';
import { commandBody } from '../support/slack-requests';
import { until } from '../support/wait';

let server: LocalServer;

function signedPost(body: string, secret = SANDBOX_SIGNING_SECRET) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${server.url}/slack/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': computeSignature(secret, timestamp, body),
    },
    body,
  });
}

const records = async () =>
  (await (await fetch(`${server.url}/api/records`)).json()) as Array<Record<string, unknown>>;

beforeAll(async () => {
  server = await startLocalServer(['--sweep-period', '10', '--ttl-late', '0']);
}, 60_000);

afterAll(async () => {
  const left = server ? await records().catch(() => []) : [];
  writeLedger({
    suite: 'start',
    texts: ['hello from the test', 'safety net'],
    artefacts: {
      'server output (its logs)': server?.output().split('\n') ?? [],
      'records left in the table': left.map((r) => JSON.stringify(r)),
    },
  });
  await server?.stop();
});

describe('npm start (sandbox)', () => {
  it('serves the page that plays Slack', async () => {
    const page = await (await fetch(`${server.url}/`)).text();

    expect(page).toContain('<form id="box">');
    expect(server.output()).toContain('sandbox');
  });

  it('refuses an unsigned request on the Slack endpoint', async () => {
    const response = await signedPost(commandBody({ text: '3s hi' }), 'wrong-secret');

    expect(response.status).toBe(401);
  });

  it('posts a signed command and deletes it on time, leaving no record', async () => {
    // Prepare
    const stream = await subscribe(server.url);

    // Act
    const response = await signedPost(commandBody({ text: '3s hello from the test', channel_id: 'C-start' }));
    const posted = await until(
      () => stream.events.find((e) => e.type === 'posted' && e.data.channel === 'C-start'),
      5_000,
    );
    // The record follows Slack's answer by a moment.
    const inTable = await until(async () => {
      const rows = await records();
      return rows.some((r) => r.ts === posted.data.ts) ? rows : undefined;
    }, 3_000);
    const deleted = await until(
      () => stream.events.find((e) => e.type === 'deleted' && e.data.ts === posted.data.ts),
      8_000,
    );
    const deletedAt = Date.now();
    // Slack takes the delete first; the record's removal follows by a moment.
    const gone = await until(
      async () => ((await records()).some((r) => r.ts === posted.data.ts) ? undefined : true),
      2_000,
    );
    stream.close();

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ response_type: 'ephemeral' });
    expect(posted.data.text).toBe('hello from the test');
    expect(JSON.stringify(inTable)).not.toContain('hello from the test');
    expect(deleted).toBeDefined();
    expect(deletedAt).toBeGreaterThanOrEqual(Number(posted.data.dueAt));
    expect(deletedAt).toBeLessThan(Number(posted.data.dueAt) + 1_500);
    expect(gone).toBe(true);
  });

  it('lets the TTL emulation hand an expired record to the reaper, which deletes the message', async () => {
    const stream = await subscribe(server.url);
    await signedPost(commandBody({ text: '2h safety net', channel_id: 'C-ttl' }));
    const posted = await until(
      () => stream.events.find((e) => e.type === 'posted' && e.data.channel === 'C-ttl'),
      5_000,
    );
    const [row] = (await records()).filter((r) => r.ts === posted.data.ts);

    const response = await fetch(`${server.url}/api/expire?at=${Number(row?.expiresAt) * 1000 + 1000}`, {
      method: 'POST',
    });
    const deleted = await until(
      () => stream.events.find((e) => e.type === 'deleted' && e.data.ts === posted.data.ts),
      5_000,
    );
    stream.close();

    // The record, and the tombstones of earlier snaps that expire before it.
    expect(((await response.json()) as { expired: number }).expired).toBeGreaterThanOrEqual(1);
    expect(deleted).toBeDefined();
    expect((await records()).some((r) => r.ts === posted.data.ts)).toBe(false);
  });

  it('says clearly when the port is taken', async () => {
    const port = new URL(server.url).port;

    const out = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'local/start.ts', '--port', port], {
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`port ${port} is already in use`);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('logs no message text', () => {
    expect(server.output()).toContain('poster.posted');
    expect(server.output()).not.toContain('hello from the test');
    expect(server.output()).not.toContain('safety net');
  });
});
