/**
 * What API Gateway (HTTP API, payload 2.0) hands ack for a POST: one builder for the local
 * pipeline, `npm start`'s real HTTP endpoint and the tests, so all of them exercise the same shape.
 */
import type { ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { computeSignature } from '../shared/domain/signature';

export interface PostRequestShape {
  path: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  /** API Gateway base64-encodes form bodies; tests also send them as text. */
  base64?: boolean;
  sourceIp?: string;
}

let requests = 0;

export function apiGatewayEvent(request: PostRequestShape): APIGatewayProxyEventV2 {
  const raw = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const headers: Record<string, string> = { ...request.headers };
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `POST ${request.path}`,
    rawPath: request.path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
      requestId: `local-${now}-${++requests}`,
      routeKey: `POST ${request.path}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: request.base64 === false ? raw.toString('utf8') : raw.toString('base64'),
    isBase64Encoded: request.base64 !== false,
  };
}

/** The headers of a form post signed as Slack signs it. */
export function slackSignature(
  secret: string,
  body: string | Buffer,
  timestamp = Math.floor(Date.now() / 1000),
) {
  const ts = String(timestamp);
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': ts,
    'x-slack-signature': computeSignature(secret, ts, body),
  };
}

export interface GetRequestShape {
  path: string;
  /** The query string as the browser sent it, without `?`. */
  query?: string;
  headers?: Record<string, string>;
  /** Cookie pairs (`name=value`), which payload 2.0 passes apart from the headers. */
  cookies?: string[];
}

/** What API Gateway (HTTP API, payload 2.0) hands a function for a browser's GET. */
export function apiGatewayGet(request: GetRequestShape): APIGatewayProxyEventV2 {
  const now = Date.now();
  const headers: Record<string, string> = { ...request.headers };
  return {
    version: '2.0',
    routeKey: `GET ${request.path}`,
    rawPath: request.path,
    rawQueryString: request.query ?? '',
    ...(request.cookies?.length ? { cookies: request.cookies } : {}),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'GET',
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? 'Mozilla/5.0',
      },
      requestId: `local-${now}-${++requests}`,
      routeKey: `GET ${request.path}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
}

/**
 * Any HTTP request as API Gateway (HTTP API, payload 2.0) hands it to a function: a GET with its
 * query and cookies, or a POST with its body (base64, as API Gateway sends form posts). For local
 * fronts that serve the functions over real HTTP (the pipeline's public URL).
 */
export function fromHttpRequest(
  request: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> },
  body: Buffer,
  sourceIp = '127.0.0.1',
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers))
    if (typeof v === 'string') headers[k.toLowerCase()] = v;
  if (request.method !== 'POST') {
    const { cookie, ...rest } = headers;
    return apiGatewayGet({
      path: url.pathname,
      query: url.search.slice(1),
      headers: rest,
      ...(cookie ? { cookies: cookie.split(';').map((c) => c.trim()) } : {}),
    });
  }
  return apiGatewayEvent({ path: url.pathname, body, headers, sourceIp });
}

/**
 * Writes a function's answer (payload 2.0) to the browser as API Gateway does: its headers, its
 * `cookies` as `Set-Cookie` headers, a base64 body decoded.
 */
export function writeAnswer(res: ServerResponse, answer: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(answer.headers ?? {})) headers[k] = String(v);
  if (answer.cookies?.length) headers['set-cookie'] = answer.cookies;
  res.writeHead(answer.statusCode ?? 200, headers);
  res.end(answer.isBase64Encoded ? Buffer.from(answer.body ?? '', 'base64') : (answer.body ?? ''));
}

/**
 * What a browser keeps of a response's `Set-Cookie` values and sends back with a request to
 * `path` on the same host: `name=value` pairs, for the local fronts and tests that play the
 * browser's part, so that a cookie a browser would refuse is refused here too. A browser drops a
 * `__Secure-` cookie without `Secure`, and a `__Host-` one without `Secure`, with a `Domain` or
 * with a `Path` other than `/` (RFC 6265bis, "cookie name prefixes"); it sends a cookie only to
 * paths under its `Path`; `Max-Age=0` (or less) clears it.
 */
export function cookiesBrowserSends(setCookies: readonly string[], path: string): string[] {
  const jar = new Map<string, string>();
  for (const line of setCookies) {
    const [pair = '', ...parts] = line.split(';').map((p) => p.trim());
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at);
    const attributes = new Map(
      parts.map((part) => {
        const eq = part.indexOf('=');
        return eq < 0 ? [part.toLowerCase(), ''] : [part.slice(0, eq).toLowerCase(), part.slice(eq + 1)];
      }),
    );
    const secure = attributes.has('secure');
    const cookiePath = attributes.get('path') || '/';
    if (name.startsWith('__Secure-') && !secure) continue;
    if (name.startsWith('__Host-') && (!secure || attributes.has('domain') || cookiePath !== '/')) continue;
    const maxAge = attributes.get('max-age');
    if (maxAge !== undefined && Number(maxAge) <= 0) {
      jar.delete(name);
      continue;
    }
    const under =
      cookiePath === '/' || path === cookiePath || path.startsWith(`${cookiePath.replace(/\/$/, '')}/`);
    if (under) jar.set(name, pair.slice(at + 1));
  }
  return [...jar].map(([name, value]) => `${name}=${value}`);
}
