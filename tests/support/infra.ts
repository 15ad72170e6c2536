/**
 * Reads infra/*.tf offline with @cdktf/hcl2json, so tests can hold Terraform and code to the
 * same contracts (bundle paths, environment variables, table shape, IAM, routes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';

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

export interface Statement {
  sid?: string;
  actions: string[];
  resources: string[];
}

/** The statements of the policy document a function's module gets as `policy_json`. */
export function functionStatements(infra: Infra, fn: string): Statement[] {
  const module = infra.module[fn];
  const ref = /data\.aws_iam_policy_document\.(\w+)\.json/.exec(String(module?.policy_json))?.[1];
  const docs = infra.data.aws_iam_policy_document ?? {};
  const doc = ref ? docs[ref] : undefined;
  // Statements of documents merged in with source_policy_documents count too.
  const sources = ((doc?.source_policy_documents ?? []) as string[]).flatMap((src) => {
    const name = /data\.aws_iam_policy_document\.(\w+)\.json/.exec(src)?.[1];
    return name ? [docs[name]] : [];
  });
  const statements = [doc, ...sources].flatMap((d) => (d?.statement ?? []) as Array<Record<string, unknown>>);
  return statements.map((s) => ({
    ...(typeof s.sid === 'string' ? { sid: s.sid } : {}),
    actions: (s.actions ?? []) as string[],
    resources: (s.resources ?? []) as string[],
  }));
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
  };
  return `${service}:${service === 'dynamodb' ? (documentOps[op] ?? op) : op}`;
}

/** The actions a function's role allows (its policy document plus the module's own log writing). */
export async function allowedActions(fn: string): Promise<Set<string>> {
  const infra = await loadInfra();
  return new Set(functionStatements(infra, fn).flatMap((s) => s.actions));
}
