/**
 * Nothing forged: the install function under random and hostile input. Every answer is a page,
 * a redirect or a 4xx — never a 5xx; `oauth.v2.access` is never called without a valid, unused
 * state presented with its browser's cookie; and no event acts without a valid, fresh signature.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { apiGatewayEvent, apiGatewayGet, slackSignature } from '../../local/api-gateway';
import { EVENTS_PATH, newFlow, OAUTH_REDIRECT_PATH, STATE_COOKIE } from '../../shared/domain/install';
import {
  authorizeThrough,
  eventCallback,
  flowCookie,
  type InstallHarness,
  location,
  redirectRequest,
  SIGNING_SECRET,
  signedEvent,
  startInstallHarness,
} from '../support/install-harness';
import { captureStdout } from '../support/logs';

const logs = captureStdout();
let h: InstallHarness;
const ACCEPTABLE = [200, 302, 400, 401, 404, 413];

beforeAll(async () => {
  h = await startInstallHarness();
  await authorizeThrough(h, '', { team: 'T0KEEP', user: 'U0ANA' });
  await authorizeThrough(h, 'as=user', { team: 'T0KEEP', user: 'U0BOB' });
});

afterAll(async () => {
  logs.restore();
  await h.close();
});

const exchanges = () => h.slack.calls.filter((c) => c.method === 'oauth.v2.access').length;
const installationKeys = async () =>
  (await h.items())
    .map((i) => String(i.pk))
    .filter((pk) => pk.startsWith('inst#'))
    .sort();

const flowToken = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
const queryValue = fc.oneof(fc.string({ maxLength: 300 }), flowToken, fc.constant('1234.5678.deadbeef'));

describe('the install function under hostile input', () => {
  it('answers random redirects with a page or a 4xx, and never trades a code (property)', async () => {
    // Prepare
    const before = exchanges();
    const stored = await installationKeys();

    // Act
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('code', 'state', 'error', 'as', 'x'), queryValue, { maxKeys: 5 }),
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 100 }),
            flowToken.map((t) => `${STATE_COOKIE}=${t}`),
          ),
          {
            maxLength: 3,
          },
        ),
        fc.boolean(),
        async (params, cookies, repeat) => {
          const query = new URLSearchParams(params).toString();
          const result = await h.call(
            apiGatewayGet({
              path: OAUTH_REDIRECT_PATH,
              query: repeat ? `${query}&${query}` : query,
              cookies,
              headers: { cookie: cookies.join('; ') },
            }),
          );
          expect(ACCEPTABLE).toContain(result.statusCode);
          expect(result.statusCode).not.toBe(302);
        },
      ),
      { numRuns: 200 },
    );

    // Assess
    expect(exchanges()).toBe(before);
    expect(await installationKeys()).toEqual(stored);
  });

  it('refuses well-formed states that were never issued, with any cookie (property)', async () => {
    const before = exchanges();

    await fc.assert(
      fc.asyncProperty(flowToken, flowToken, async (state, nonce) => {
        const result = await h.call(redirectRequest({ code: '1234.5678.deadbeef', state }, nonce));
        expect(result.statusCode).toBe(400);
      }),
      { numRuns: 100 },
    );

    expect(exchanges()).toBe(before);
  });

  it('refuses a real state with any cookie but its own, and any replay of a completed one (property)', async () => {
    // Prepare
    const done = await authorizeThrough(h, '', { team: 'T0KEEP', user: 'U0ANA' });
    const start = await h.call(apiGatewayGet({ path: '/slack/install' }));
    const state = String(location(start).searchParams.get('state'));
    const own = String(flowCookie(start));
    const before = exchanges();

    // Act
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(flowToken, fc.string({ maxLength: 60 })).filter((n) => n !== own),
        fc.constantFrom('other-cookie', 'replay-own-cookie', 'replay-other-cookie'),
        async (nonce, attempt) => {
          const result = await h.call(
            attempt === 'other-cookie'
              ? redirectRequest({ code: '1234.5678.deadbeef', state }, nonce)
              : redirectRequest(
                  { code: done.code, state: done.state },
                  attempt === 'replay-own-cookie' ? done.nonce : nonce,
                ),
          );
          expect(result.statusCode).toBe(400);
        },
      ),
      { numRuns: 100 },
    );

    // Assess
    expect(exchanges()).toBe(before);
  });

  it.each([
    [
      'an oversized state',
      () => redirectRequest({ code: 'c'.repeat(20), state: 's'.repeat(100_000) }, newFlow().nonce),
    ],
    [
      'an oversized code',
      () => redirectRequest({ code: '1'.repeat(100_000), state: newFlow().state }, newFlow().nonce),
    ],
    [
      'an oversized cookie',
      () => redirectRequest({ code: '1234.5678.abc', state: newFlow().state }, 'n'.repeat(100_000)),
    ],
    [
      'a state with a NUL and unicode',
      () => redirectRequest({ code: '1.2.3abc', state: `\u0000${'é'.repeat(42)}` }),
    ],
    [
      'a malformed query string',
      () => apiGatewayGet({ path: OAUTH_REDIRECT_PATH, query: '%E0%A4%A&state=%%&code', cookies: ['%'] }),
    ],
  ])('answers %s with a 4xx page, no exchange', async (_name, make) => {
    const before = exchanges();

    const result = await h.call(make());

    expect(ACCEPTABLE).toContain(result.statusCode);
    expect(result.statusCode).toBeGreaterThanOrEqual(400);
    expect(exchanges()).toBe(before);
  });

  it('answers random paths, methods and install options without a 5xx (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/',
          '/slack/install',
          '/slack/oauth_redirect',
          '/slack/events',
          '/x',
          '/slack/install/',
        ),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD'),
        fc.string({ maxLength: 50 }),
        async (path, method, as) => {
          const event = apiGatewayGet({ path, query: new URLSearchParams({ as }).toString() });
          event.requestContext.http.method = method;
          const result = await h.call(event);
          expect(ACCEPTABLE).toContain(result.statusCode);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('acts on no unsigned or mis-signed event, whatever it says (property)', async () => {
    // Prepare
    const stored = await installationKeys();
    const uninstall = JSON.stringify(eventCallback({ type: 'app_uninstalled' }, { team: 'T0KEEP' }));

    // Act
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(uninstall), fc.string({ maxLength: 500 })),
        fc.constantFrom('none', 'wrong-secret', 'stale', 'other-body', 'garbage'),
        fc.boolean(),
        async (body, forgery, base64) => {
          const now = Math.floor(Date.now() / 1000);
          const headers: Record<string, string> =
            forgery === 'none'
              ? {}
              : forgery === 'wrong-secret'
                ? slackSignature('not-the-secret', body)
                : forgery === 'stale'
                  ? slackSignature(SIGNING_SECRET, body, now - 301)
                  : forgery === 'other-body'
                    ? slackSignature(SIGNING_SECRET, `${body} `)
                    : { 'x-slack-signature': 'v0=zz', 'x-slack-request-timestamp': String(now) };
          const result = await h.call(apiGatewayEvent({ path: EVENTS_PATH, body, headers, base64 }));
          expect([400, 401, 413]).toContain(result.statusCode);
        },
      ),
      { numRuns: 200 },
    );

    // Assess
    expect(await installationKeys()).toEqual(stored);
  });

  it('answers signed garbage and odd event shapes with a 200 or 400, never a 5xx (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.json({ maxDepth: 3 }),
          fc
            .record({
              type: fc.constantFrom('event_callback', 'url_verification', 'other'),
              challenge: fc.oneof(fc.string(), fc.integer()),
              team_id: fc.oneof(fc.string(), fc.constant('T0FUZZ')),
              enterprise_id: fc.oneof(fc.string(), fc.constant(null)),
              event_time: fc.oneof(fc.integer(), fc.string(), fc.double()),
              event: fc.record({
                type: fc.constantFrom('app_uninstalled', 'tokens_revoked', 'message'),
                tokens: fc.oneof(
                  fc.record({ oauth: fc.array(fc.string()), bot: fc.array(fc.string()) }),
                  fc.string(),
                ),
              }),
              authorizations: fc.array(
                fc.record({ is_enterprise_install: fc.boolean(), team_id: fc.string() }),
              ),
            })
            .map((o) => JSON.stringify(o)),
        ),
        async (body) => {
          const result = await h.call(signedEvent(body));
          expect([200, 400]).toContain(result.statusCode);
        },
      ),
      { numRuns: 200 },
    );
    expect(await installationKeys()).toContain('inst#T0KEEP');
  });

  it('refuses an event body over the size limit before reading it', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'a'.repeat(70_000) });

    const result = await h.call(signedEvent(body));

    expect(result.statusCode).toBe(413);
  });

  it('logs no unhandled failure', () => {
    expect(logs.lines().join('\n')).not.toContain('"event":"install.failed"');
  });
});
