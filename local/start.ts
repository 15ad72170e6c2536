/**
 * `npm start`: the whole of snap on this machine.
 *
 * - Sandbox (default, no Slack variables): dynalite, the Slack/KMS/Lambda stand-ins and the four
 *   bundles wired as on AWS, plus a page at http://localhost:3000/ that plays Slack.
 * - Workspace (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET set): the functions talk to your Slack
 *   workspace; Slack reaches `POST /slack/commands` through a tunnel, or, with SLACK_APP_TOKEN
 *   (xapp-…) as well, over Socket Mode with no public URL at all.
 *
 * Options: --port N (or PORT), --data DIR (keep the table across runs), --sweep-period SECONDS,
 * --ttl-late SECONDS (how late the TTL emulation removes expired records).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiGatewayEvent } from './api-gateway';
import { lambdaContext } from './lambda-stand-in';
import { type Pipeline, startPipeline } from './pipeline';
import { type StandInMessage, shownDueAt } from './slack-stand-in';

interface Options {
  port: number;
  data?: string;
  sweepPeriodSeconds: number;
  ttlLateSeconds: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    port: Number(process.env.PORT ?? 3000),
    sweepPeriodSeconds: 60,
    ttlLateSeconds: 120,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const number = (name: string) => {
      if (value === undefined || !/^\d+$/.test(value)) fail(`${name} needs a whole number`);
      i++;
      return Number(value);
    };
    if (flag === '--port') options.port = number('--port');
    else if (flag === '--sweep-period') options.sweepPeriodSeconds = number('--sweep-period');
    else if (flag === '--ttl-late') options.ttlLateSeconds = number('--ttl-late');
    else if (flag === '--data') {
      if (!value) fail('--data needs a directory');
      options.data = value;
      i++;
    } else fail(`unknown option ${flag}; options: --port N, --data DIR, --sweep-period S, --ttl-late S`);
  }
  return options;
}

function fail(message: string): never {
  process.stderr.write(`snap: ${message}\n`);
  process.exit(1);
}

/** The functions' JSON log lines, made readable for a terminal (they hold no message text). */
function readableLogs(): void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    if (!text.startsWith('{"time"')) return write(chunk, ...rest);
    for (const line of text.split('\n').filter(Boolean)) {
      try {
        const { time, level, event, fn, ...fields } = JSON.parse(line) as Record<string, unknown>;
        const extras = Object.entries(fields)
          .filter(([k]) => k !== 'requestId' && k !== 'run')
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        const mark = level === 'error' ? '✖' : level === 'warn' ? '!' : '·';
        write(`${String(time).slice(11, 23)} ${mark} ${String(fn).padEnd(7)} ${event} ${extras}\n`);
      } catch {
        write(`${line}\n`);
      }
    }
    return true;
  }) as typeof process.stdout.write;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An HTTP request as API Gateway (HTTP API, payload 2.0) hands it to ack. */
function toApiGateway(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  return apiGatewayEvent({
    path: new URL(req.url ?? '/', 'http://localhost').pathname,
    body,
    headers,
    sourceIp: req.socket.remoteAddress ?? '',
  });
}

const view = (m: StandInMessage) => ({
  channel: m.channel,
  ts: m.ts,
  text: m.text,
  username: m.username,
  postedAt: m.postedAt,
  dueAt: shownDueAt(m),
});

function serve(p: Pipeline, sandbox: boolean) {
  const page = readFileSync(resolve('local/page.html'), 'utf8');
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'POST' && path === '/slack/commands') {
      // What Slack (through a tunnel) or anyone else sends: ack verifies it as on AWS.
      const result = await p.ack(toApiGateway(req, await readBody(req)), lambdaContext('snap-ack', 10_000));
      res.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
      res.end(result.body ?? '');
      return;
    }
    if (!sandbox) {
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(
        path === '/' ? 'snap is running against your Slack workspace. Use /snap there.\n' : 'not found\n',
      );
      return;
    }
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
      return;
    }
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      const send = (type: string, data: unknown) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      send('state', { messages: p.slack.live().map(view) });
      const onPosted = (m: StandInMessage) => send('posted', view(m));
      const onDeleted = (m: StandInMessage) => send('deleted', { channel: m.channel, ts: m.ts });
      const onReply = (r: { body: { text?: string; blocks?: unknown[] } }) =>
        send('reply', { text: r.body.text ?? '', blocks: r.body.blocks ?? [] });
      p.slack.events.on('posted', onPosted).on('deleted', onDeleted).on('reply', onReply);
      req.on('close', () => {
        p.slack.events.off('posted', onPosted).off('deleted', onDeleted).off('reply', onReply);
      });
      return;
    }
    if (req.method === 'GET' && path === '/api/records') {
      // What the table holds: where each snap is and when it goes, never its text.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(await p.records()));
      return;
    }
    if (req.method === 'POST' && path === '/api/expire') {
      // Fast-forwards the TTL emulation to `at` (ms), to watch the reaper's safety net work.
      const at = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('at') ?? Date.now());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ expired: await p.expire(at) }));
      return;
    }
    if (req.method === 'POST' && path === '/api/interaction') {
      // The page's "Delete now" buttons and "Delete snap now" shortcut, sent as Slack sends them.
      const { snapId, ts } = JSON.parse((await readBody(req)).toString() || '{}') as {
        snapId?: string;
        ts?: string;
      };
      const common = {
        team: { id: 'T0LOCAL' },
        user: { id: 'U0LOCAL' },
        channel: { id: 'C0LOCAL' },
        response_url: p.slack.responseUrl(`interaction-${Date.now()}`),
        trigger_id: `${Date.now()}.interaction`,
      };
      const payload = snapId
        ? {
            ...common,
            type: 'block_actions',
            actions: [{ action_id: 'delete_snap', value: snapId, action_ts: String(Date.now() / 1000) }],
          }
        : { ...common, type: 'message_action', callback_id: 'delete_snap', message: { ts } };
      const result = await p.interact(payload);
      res.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: result.statusCode }));
      return;
    }
    if (req.method === 'POST' && path === '/api/command') {
      // The page's command box: signed and sent exactly as Slack would send it.
      const { text } = JSON.parse((await readBody(req)).toString() || '{}') as { text?: string };
      const result = await p.command(String(text ?? ''));
      res.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json' });
      res.end(
        result.statusCode === 200
          ? (result.body ?? '{}')
          : JSON.stringify({ text: `ack answered ${result.statusCode}` }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };
}

/** Socket Mode: slash commands over a WebSocket, acknowledged within 3 s by the same ack. */
async function startSocketMode(p: Pipeline, appToken: string): Promise<{ stop(): Promise<void> }> {
  const { SocketModeClient, LogLevel } = await import('@slack/socket-mode');
  const client = new SocketModeClient({
    appToken,
    logLevel: LogLevel.ERROR,
    ...(process.env.SLACK_API_URL ? { clientOptions: { slackApiUrl: process.env.SLACK_API_URL } } : {}),
  });
  client.on(
    'slash_commands',
    async ({ ack, body }: { ack: (r: unknown) => Promise<void>; body: Record<string, string> }) => {
      // The socket is authenticated by the app token; the payload is signed here with the
      // signing secret so that it passes through ack's one verified path, rules and all.
      const fields = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string'));
      const result = await p.command(String(fields.text ?? ''), fields);
      await ack(
        result.statusCode === 200
          ? JSON.parse(String(result.body))
          : { text: 'snap could not take that command.' },
      );
    },
  );
  await client.start();
  return { stop: async () => void (await client.disconnect()) };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const botToken = process.env.SLACK_BOT_TOKEN;
  const signingSecret = process.env.SLACK_SIGNING_SECRET;
  const appToken = process.env.SLACK_APP_TOKEN;
  if (Boolean(botToken) !== Boolean(signingSecret))
    fail('set both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (workspace mode), or neither (sandbox)');
  if (appToken && !appToken.startsWith('xapp-'))
    fail('SLACK_APP_TOKEN must be an app-level token starting with xapp-');
  const workspace =
    botToken && signingSecret
      ? {
          botToken,
          signingSecret,
          ...(process.env.SLACK_API_URL ? { apiUrl: process.env.SLACK_API_URL } : {}),
        }
      : undefined;

  // Fail on a taken port before starting anything else.
  const server = createServer();
  await new Promise<void>((done) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? `port ${options.port} is already in use. Try: npm start -- --port ${options.port + 1}`
          : `cannot listen on port ${options.port}: ${error.code ?? error.message}`,
      ),
    );
    server.listen(options.port, '127.0.0.1', () => done());
  });

  readableLogs();
  const p = await startPipeline({
    sweepPeriodSeconds: options.sweepPeriodSeconds,
    ttlLateByMs: options.ttlLateSeconds * 1000,
    ...(options.data ? { dynamoPath: resolve(options.data) } : {}),
    ...(workspace ? { workspace } : {}),
  });
  const handler = serve(p, !workspace);
  server.on('request', (req, res) => {
    handler(req, res).catch((error: unknown) => {
      process.stderr.write(`snap: request failed: ${error instanceof Error ? error.name : 'error'}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const stopSweeps = p.schedule();
  const ttl = setInterval(() => void p.expire().catch(() => undefined), 10_000);
  const socket = workspace && appToken ? await startSocketMode(p, appToken) : undefined;

  const { port } = server.address() as { port: number };
  const url = `http://localhost:${port}`;
  const mode = !workspace
    ? 'sandbox (no accounts: Slack, AWS and the schedule are local)'
    : socket
      ? 'workspace, Socket Mode'
      : 'workspace, HTTP';
  process.stdout.write(
    [
      '',
      `  snap is running — ${mode}`,
      workspace
        ? socket
          ? '  Slash commands arrive over Socket Mode; type /snap 10s hello in your workspace.'
          : `  Point a tunnel at ${url}/slack/commands and use its URL as the /snap Request URL.`
        : `  Open ${url}/ and type: /snap 10s hello`,
      `  Slack endpoint: ${url}/slack/commands   sweep every ${options.sweepPeriodSeconds} s   TTL emulation ${options.ttlLateSeconds} s late${options.data ? `   data: ${options.data}` : '   data: in memory'}`,
      '  Logs below never contain message text. Ctrl-C stops.',
      '',
      '',
    ].join('\n'),
  );

  const stop = async () => {
    clearInterval(ttl);
    await socket?.stop();
    await stopSweeps();
    server.closeAllConnections();
    server.close();
    await p.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

await main();
