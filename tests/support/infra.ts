/**
 * Reads infra/*.tf offline with @cdktf/hcl2json, so tests can hold Terraform and code to the
 * same contracts (bundle paths, environment variables, table shape, IAM, routes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import * as config from '../../shared/config';

type Block = Record<string, unknown>;
export interface Infra {
  resource: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  module: Record<string, Block>;
  locals: Record<string, unknown>;
  variable: Record<string, Block>;
  output: Record<string, Block>;
}

const first = (value: unknown): Block => (Array.isArray(value) ? (value[0] as Block) : (value as Block));

export async function loadInfra(dir = 'infra'): Promise<Infra> {
  const infra: Infra = { resource: {}, data: {}, module: {}, locals: {}, variable: {}, output: {} };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    const parsed = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Record<string, unknown>;
    for (const [type, byName] of Object.entries(
      (parsed.resource ?? {}) as Record<string, Record<string, unknown>>,
    )) {
      infra.resource[type] ??= {};
      for (const [name, body] of Object.entries(byName))
        (infra.resource[type] as Record<string, Block>)[name] = first(body);
    }
    for (const [type, byName] of Object.entries(
      (parsed.data ?? {}) as Record<string, Record<string, unknown>>,
    )) {
      infra.data[type] ??= {};
      for (const [name, body] of Object.entries(byName))
        (infra.data[type] as Record<string, Block>)[name] = first(body);
    }
    for (const kind of ['module', 'variable', 'output'] as const) {
      for (const [name, body] of Object.entries((parsed[kind] ?? {}) as Record<string, unknown>))
        infra[kind][name] = first(body);
    }
    for (const block of (parsed.locals ?? []) as Block[]) Object.assign(infra.locals, block);
  }
  return infra;
}

/** Resolves `${local.a.b}` (whole-string references) against the locals; other strings pass through. */
export function resolveLocal(infra: Infra, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = /^\$\{local\.([\w.]+)\}$/.exec(value);
  if (!match?.[1]) return value;
  let current: unknown = infra.locals;
  for (const part of match[1].split('.')) current = (current as Record<string, unknown>)[part];
  return resolveLocal(infra, current);
}

/** Replaces every `${local.x}` inside a string. */
export function interpolateLocals(infra: Infra, value: string): string {
  return value.replace(/\$\{local\.([\w.]+)\}/g, (whole) => String(resolveLocal(infra, whole)));
}

/**
 * How Terraform deploys snap, chosen by its variables: `one_workspace` (slack_bot_token given)
 * and `install_enabled` (slack_client_id given). At least one token source is required.
 */
export interface Mode {
  one_workspace: boolean;
  install_enabled: boolean;
}

export const MODES: Record<string, Mode> = {
  'one-workspace': { one_workspace: true, install_enabled: false },
  'one-workspace with install': { one_workspace: true, install_enabled: true },
  distributed: { one_workspace: false, install_enabled: true },
};

/** Locals that only rename a mode's flag (`tokens_in_store = local.install_enabled`). */
const ALIASES: Record<string, keyof Mode> = { tokens_in_store: 'install_enabled' };

/** The local a value or count depends on, when it has the form `${local.flag ? … : …}`. */
function flagOf(value: unknown): { flag: keyof Mode; whenTrue: string; whenFalse: string } | undefined {
  const match = /^\$\{local\.(\w+) \? (.+) : (.+)\}$/.exec(String(value));
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const flag = ALIASES[match[1]] ?? match[1];
  if (flag !== 'one_workspace' && flag !== 'install_enabled')
    throw new Error(`${String(value)} depends on local.${match[1]}, which no mode sets`);
  return { flag, whenTrue: match[2], whenFalse: match[3] };
}

/** Whether an environment value is set in this mode: `${local.flag ? x : null}` only when the flag holds. */
export function setIn(value: unknown, mode: Mode): boolean {
  const conditional = flagOf(value);
  if (!conditional) return value !== null && value !== undefined;
  const chosen = mode[conditional.flag] ? conditional.whenTrue : conditional.whenFalse;
  return chosen !== 'null';
}

/** Whether a counted block (`count = ${local.flag ? 1 : 0}`) exists in this mode; uncounted ones always do. */
export function deployedIn(block: Record<string, unknown> | undefined, mode: Mode): boolean {
  if (block?.count === undefined) return block !== undefined;
  const conditional = flagOf(block.count);
  if (!conditional) throw new Error(`count ${String(block.count)} cannot be read offline`);
  return (mode[conditional.flag] ? conditional.whenTrue : conditional.whenFalse) === '1';
}

export interface Statement {
  sid?: string;
  actions: string[];
  resources: string[];
}

/**
 * The statements of the policy document a function's module gets as `policy_json`; in `mode`,
 * only the counted documents deployed in it (without a mode: every document).
 */
export function functionStatements(infra: Infra, fn: string, mode?: Mode): Statement[] {
  const module = infra.module[fn];
  const ref = /data\.aws_iam_policy_document\.(\w+)(?:\[0\])?\.json/.exec(String(module?.policy_json))?.[1];
  const docs = infra.data.aws_iam_policy_document ?? {};
  const doc = ref ? docs[ref] : undefined;
  // Statements of documents merged in with source_policy_documents count too (a counted
  // document's, `…[*].json`, as if deployed: the tests read every optional part).
  const sources = sourceDocuments(doc?.source_policy_documents).flatMap((name) => {
    const source = docs[name];
    return source && (!mode || deployedIn(source, mode)) ? [source] : [];
  });
  const statements = [doc, ...sources].flatMap((d) => (d?.statement ?? []) as Array<Record<string, unknown>>);
  return statements.map((s) => ({
    ...(typeof s.sid === 'string' ? { sid: s.sid } : {}),
    actions: (s.actions ?? []) as string[],
    resources: (s.resources ?? []) as string[],
  }));
}

/**
 * The documents a `source_policy_documents` value names — a list of `….json` references or one
 * expression such as `concat(a[*].json, b[*].json)`.
 */
export function sourceDocuments(value: unknown): string[] {
  const refs = Array.isArray(value)
    ? (value as unknown[]).map(String)
    : value === undefined
      ? []
      : [String(value)];
  return refs.flatMap((ref) =>
    [...ref.matchAll(/data\.aws_iam_policy_document\.(\w+)(?:\[[^\]]*\])?\.json/g)].map((m) => m[1] ?? ''),
  );
}

/** IAM action for an SDK command the code sent, e.g. lib-dynamodb PutCommand → dynamodb:PutItem. */
export function iamAction(service: 'dynamodb' | 'kms' | 'lambda', commandName: string): string {
  const op = commandName.replace(/Command$/, '');
  if (service === 'lambda' && op === 'Invoke') return 'lambda:InvokeFunction';
  const documentOps: Record<string, string> = {
    Put: 'PutItem',
    Get: 'GetItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
  };
  return `${service}:${service === 'dynamodb' ? (documentOps[op] ?? op) : op}`;
}

/** The actions a function's role allows (its policy document plus the module's own log writing). */
export async function allowedActions(fn: string): Promise<Set<string>> {
  const infra = await loadInfra();
  return new Set(functionStatements(infra, fn).flatMap((s) => s.actions));
}

type Scope = Record<string, unknown>;

/** A dotted path (`local.a.b`, `statement.value.x`, `each.key`) looked up in the locals or the scope. */
function lookup(infra: Infra, scope: Scope, path: string): { found: boolean; value?: unknown } {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return { found: false };
  let current: unknown;
  if (head === 'local') current = infra.locals;
  else if (head in scope) current = scope[head];
  else return { found: false };
  for (const part of rest) {
    if (typeof current !== 'object' || current === null || !(part in current)) return { found: false };
    current = (current as Record<string, unknown>)[part];
  }
  return { found: true, value: current };
}

/**
 * Evaluates what hcl2json leaves as `${…}` strings, as far as offline parsing can: references to
 * locals and to block iterators (`each`, a `dynamic` block's name) are replaced by their values;
 * anything Terraform knows only at apply time (`module.x.role_arn`, `aws_x.y.arn`, `data.…`,
 * `var.…`) stays as its reference, e.g. "${module.ack.role_arn}".
 */
export function evaluate(infra: Infra, value: unknown, scope: Scope = {}): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(infra, v, scope));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(infra, v, scope)]));
  if (typeof value !== 'string') return value;
  // concat() of references, as the IAM conditions use it: a list of lists joined.
  const concat = /^\$\{concat\(([\w.,\s-]+)\)\}$/.exec(value);
  if (concat?.[1]) {
    const parts = concat[1].split(',').map((ref) => evaluate(infra, `\${${ref.trim()}}`, scope));
    if (parts.every(Array.isArray)) return (parts as unknown[][]).flat();
  }
  const whole = /^\$\{([\w.-]+)\}$/.exec(value);
  if (whole?.[1]) {
    const hit = lookup(infra, scope, whole[1]);
    return hit.found ? evaluate(infra, hit.value, scope) : value;
  }
  return value.replace(/\$\{([\w.-]+)\}/g, (ref, path: string) => {
    const hit = lookup(infra, scope, path);
    return hit.found ? String(evaluate(infra, hit.value, scope)) : ref;
  });
}

export interface PolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  principals: Array<{ type: string; identifiers: string[] }>;
  conditions: Array<{ test: string; variable: string; values: string[] }>;
}

const list = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : [String(value)]);
const blocksOf = (value: unknown) => (value ?? []) as Array<Record<string, unknown>>;

/** Expands a block's `dynamic "name"` blocks (for_each over a map or object) into plain blocks. */
function expandDynamic(infra: Infra, block: Record<string, unknown>, name: string, scope: Scope) {
  const dynamic = (block.dynamic ?? {}) as Record<string, Array<Record<string, unknown>>>;
  return (dynamic[name] ?? []).flatMap((d) => {
    const forEach = evaluate(infra, d.for_each, scope);
    if (typeof forEach !== 'object' || forEach === null)
      throw new Error(
        `dynamic "${name}" iterates over ${String(d.for_each)}, which offline parsing cannot resolve`,
      );
    const content = blocksOf(d.content)[0] ?? {};
    return Object.entries(forEach).map(([key, value]) => ({
      content,
      scope: { ...scope, [name]: { key, value } },
    }));
  });
}

/**
 * The statements an `aws_iam_policy_document` renders, its `dynamic` statements and conditions
 * expanded; `each` binds the document's own for_each entry, for documents that have one.
 */
export function policyStatements(
  infra: Infra,
  doc: string,
  each?: { key: string; value: unknown },
  mode?: Mode,
): PolicyStatement[] {
  const block = infra.data.aws_iam_policy_document?.[doc];
  if (!block) throw new Error(`no aws_iam_policy_document "${doc}"`);
  const scope: Scope = each ? { each } : {};
  const raw = [
    ...blocksOf(block.statement).map((content) => ({ content, scope })),
    ...expandDynamic(infra, block, 'statement', scope),
  ];
  // Documents merged in with source_policy_documents (`…[*].json` of a counted document counts
  // as present: the tests read the configuration with every optional part deployed).
  const sources = sourceDocuments(block.source_policy_documents).filter(
    (name) => !mode || deployedIn(infra.data.aws_iam_policy_document?.[name], mode),
  );
  return [
    ...raw.map(({ content, scope: s }) => renderStatement(infra, content, s)),
    ...sources.flatMap((name) => policyStatements(infra, name, undefined, mode)),
  ];
}

function renderStatement(infra: Infra, content: Record<string, unknown>, s: Scope): PolicyStatement {
  const conditions = [
    ...blocksOf(content.condition).map((c) => ({ c, cs: s })),
    ...expandDynamic(infra, content, 'condition', s).map(({ content: c, scope: cs }) => ({ c, cs })),
  ].map(({ c, cs }) => ({
    test: String(evaluate(infra, c.test, cs)),
    variable: String(evaluate(infra, c.variable, cs)),
    values: list(evaluate(infra, c.values, cs)),
  }));
  const sid = evaluate(infra, content.sid, s);
  return {
    ...(typeof sid === 'string' ? { sid } : {}),
    effect: (evaluate(infra, content.effect, s) ?? 'Allow') as 'Allow' | 'Deny',
    actions: list(evaluate(infra, content.actions ?? [], s)),
    resources: list(evaluate(infra, content.resources ?? [], s)),
    principals: blocksOf(content.principals).map((p) => ({
      type: String(p.type),
      identifiers: list(evaluate(infra, p.identifiers, s)),
    })),
    conditions,
  };
}

/** A Terraform expression as hcl2json leaves it in a string: tf('module.ack.name') is "${module.ack.name}". */
export const tf = (expression: string): string => `\${${expression}}`;

/** Calls a config reader with every variable set but `absent`, recording which names it reads. */
export function variablesRead(
  reader: (env: config.Env) => unknown,
  absent: ReadonlySet<string> = new Set(),
): Set<string> {
  const read = new Set<string>();
  const values: Record<string, string> = {
    SLACK_API_URL: 'https://slack.example/api/',
    SNAP_DEFAULT_DELAY_SECONDS: '60',
    SNAP_MAX_DELAY_SECONDS: '600',
    SNAP_SWEEP_PERIOD_SECONDS: '60',
    ALLOWED_TEAM_IDS: 'T0001',
    SNAP_ALLOW_BROADCASTS: 'false',
    SNAP_ONE_WORKSPACE: 'true',
    SNAP_PUBLIC_URL: 'https://snap.example',
    SLACK_CLIENT_ID: '1234.5678',
    SNAP_LIMIT_USER_PER_MINUTE: '30',
    SNAP_LIMIT_TEAM_PER_MINUTE: '300',
    SNAP_LIMIT_USER_PENDING: '50',
    SNAP_POSTERS_PER_WORKSPACE: '10',
    SNAP_POSTERS_PER_ORG: '30',
    SLACK_RESPONSE_URL_PREFIX: 'https://hooks.slack.com/',
    SNAP_SETTINGS_CACHE_SECONDS: '60',
  };
  const env = new Proxy({} as config.Env, {
    get: (_t, name: string) => {
      read.add(name);
      return absent.has(name) ? undefined : (values[name] ?? 'x');
    },
  });
  reader(env);
  return read;
}

/** Which config reader a handler calls at cold start, read from its source. */
/** The bundle a deployed function runs: its own, but for controls, which runs the poster's (infra/controls.tf). */
export const bundleOf = (fn: string): string => (fn === 'controls' ? 'poster' : fn);

export function configReaderOf(fn: string): (env: config.Env) => unknown {
  const source = readFileSync(`functions/${bundleOf(fn)}/handler.ts`, 'utf8');
  const name = /(\w+Config)\(process\.env\)/.exec(source)?.[1];
  const reader = name ? (config as unknown as Record<string, unknown>)[name] : undefined;
  if (typeof reader !== 'function') throw new Error(`functions/${fn}/handler.ts reads no known config`);
  return reader as (env: config.Env) => unknown;
}
