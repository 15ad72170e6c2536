/**
 * Terraform and code must agree: bundles, configuration, table shape, IAM, stream filter,
 * route, Slack manifest. Parsed offline (no terraform binary needed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { ACTIVITY_PREFIX } from '../../shared/adapters/activity-store';
import { GRANTS_PREFIX, INSTALLATION_PREFIX, STATE_PREFIX } from '../../shared/adapters/installation-store';
import { tokenContext } from '../../shared/adapters/kms';
import { REVEAL_KEY_PREFIX, REVEAL_TABLE } from '../../shared/adapters/reveal-store';
import { SETTINGS_PREFIX } from '../../shared/adapters/settings-store';
import { COMMAND_PATH, INTERACTIONS_PATH } from '../../shared/adapters/slack-request';
import { TABLE } from '../../shared/adapters/snap-item';
import { ROUTES } from '../../shared/app/accept-interaction';
import type * as config from '../../shared/config';
import {
  BOT_SCOPES,
  EVENTS_PATH,
  INSTALL_PATH,
  LANDING_PATH,
  OAUTH_REDIRECT_PATH,
  USER_SCOPES,
} from '../../shared/domain/install';
import { MAX_EVENT_AGE_MS } from '../../shared/domain/snap';
import {
  bundleOf,
  configReaderOf,
  deployedIn,
  functionStatements,
  type Infra,
  interpolateLocals,
  loadInfra,
  MODES,
  type Mode,
  policyStatements,
  resolveLocal,
  setIn,
  tf,
  variablesRead,
} from '../support/infra';

const FUNCTIONS = ['ack', 'poster', 'controls', 'sweeper', 'reaper', 'install'] as const;
let infra: Infra;

beforeAll(async () => {
  infra = await loadInfra();
});

const module = (fn: string) => infra.module[fn] as Record<string, unknown>;
const table = () => infra.resource.aws_dynamodb_table?.snaps as Record<string, unknown>;
const blocks = (value: unknown) => (value ?? []) as Array<Record<string, unknown>>;

/** Plaintext fallbacks for local runs: Terraform never sets them. */
const PLAINTEXT_FALLBACKS = ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'SLACK_CLIENT_SECRET'];
/** Optional overrides: SLACK_API_URL for local runs; SNAP_SETTINGS_CACHE_SECONDS left to its default when deployed (tests read settings afresh); SNAP_SWEEP_IN_FLIGHT to tune a sweeper worker's concurrency. */
const OVERRIDES = ['SLACK_API_URL', 'SNAP_SETTINGS_CACHE_SECONDS', 'SNAP_SWEEP_IN_FLIGHT'];

/** A function's environment as Terraform sets it in `mode`: the names set, and those left out. */
function environmentIn(fn: string, mode: Mode): { set: string[]; unset: string[] } {
  const env = (resolveLocal(infra, module(fn).environment) ?? {}) as Record<string, unknown>;
  const names = Object.keys(env);
  return { set: names.filter((n) => setIn(env[n], mode)), unset: names.filter((n) => !setIn(env[n], mode)) };
}

/** What a function's configuration reader makes of its environment in `mode`. */
function configIn(fn: string, mode: Mode): { read: Set<string>; config: unknown; absent: Set<string> } {
  const absent = new Set([...environmentIn(fn, mode).unset, ...PLAINTEXT_FALLBACKS]);
  let config: unknown;
  const read = variablesRead((env) => {
    config = configReaderOf(fn)(env);
  }, absent);
  return { read, config, absent };
}

const MODE_NAMES = Object.keys(MODES);
const modeOf = (name: string): Mode => MODES[name] as Mode;

describe('infra and code agree', () => {
  it.each(FUNCTIONS)('deploys %s from its bundle in dist/, on Node.js 24, arm64', (fn) => {
    // Prepare
    const fnModule = module(fn);
    const main = readFileSync('infra/modules/function/main.tf', 'utf8');
    const bundle = bundleOf(fn);

    // Assess
    expect(interpolateLocals(infra, String(fnModule.source_dir))).toBe(`\${path.module}/../dist/${bundle}`);
    expect(fnModule.source).toBe('./modules/function');
    expect(main).toMatch(/handler\s*=\s*"index\.handler"/);
    expect(main).toMatch(/runtime\s*=\s*"nodejs24\.x"/);
    expect(main).toMatch(/architectures\s*=\s*\["arm64"\]/);
    expect(existsSync(`dist/${bundle}/index.mjs`)).toBe(true);
    expect(readFileSync(`dist/${bundle}/index.mjs`, 'utf8')).toMatch(
      /export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{[^}]*\bhandler\b/,
    );
  });

  it.each(FUNCTIONS.flatMap((fn) => MODE_NAMES.map((mode) => [fn, mode] as const)))(
    'gives %s (%s) exactly the environment variables its config reads',
    (fn, name) => {
      // Prepare
      const mode = modeOf(name);
      // Every function is deployed in every mode (install serves Slack's events in all of them).
      expect(deployedIn(module(fn), mode)).toBe(true);

      // Act: the config reads what is set and looks for what is not (optional variables).
      const { read, absent } = configIn(fn, mode);
      const expected = [...read].filter((n) => !OVERRIDES.includes(n) && !absent.has(n)).sort();

      // Assess
      expect(environmentIn(fn, mode).set.sort()).toEqual(expected);
    },
  );

  it.each(['poster', 'controls', 'sweeper', 'reaper'])(
    'runs %s with the bot token in one-workspace mode and distributed (no bot token, tokens from the store) when slack_bot_token is null',
    (fn) => {
      const one = configIn(fn, modeOf('one-workspace')).config as config.SlackWorkerConfig;
      const withInstall = configIn(fn, modeOf('one-workspace with install'))
        .config as config.SlackWorkerConfig;
      const distributed = configIn(fn, modeOf('distributed')).config as config.SlackWorkerConfig;

      expect(one.botToken).toEqual({ kind: 'kms', ciphertext: 'x' });
      expect(withInstall.botToken).toEqual({ kind: 'kms', ciphertext: 'x' });
      expect(distributed.botToken).toBeUndefined();
      expect(environmentIn(fn, modeOf('distributed')).set).not.toContain('SLACK_BOT_TOKEN_CIPHERTEXT');
    },
  );

  it('gives the poster its links exactly when install is deployed, and reads users’ tokens from the store then', () => {
    const one = configIn('poster', modeOf('one-workspace')).config as config.PosterConfig;
    const withInstall = configIn('poster', modeOf('one-workspace with install'))
      .config as config.PosterConfig;
    const distributed = configIn('poster', modeOf('distributed')).config as config.PosterConfig;

    expect([one.publicUrl, one.usersInStore]).toEqual([undefined, false]);
    expect([withInstall.publicUrl, withInstall.usersInStore]).toEqual(['https://snap.example', true]);
    expect([distributed.publicUrl, distributed.usersInStore]).toEqual(['https://snap.example', true]);
    expect(resolveLocal(infra, module('poster').environment)).toMatchObject({
      SNAP_PUBLIC_URL: `\${local.install_enabled ? aws_apigatewayv2_api.slack.api_endpoint : null}`,
    });
  });

  it('requires a bot token or a client id, and accepts a null bot token', () => {
    const key = infra.resource.aws_kms_key?.snap as {
      lifecycle?: Array<{ precondition?: Array<{ condition: string }> }>;
    };
    const conditions = (key.lifecycle?.[0]?.precondition ?? []).map((p) => p.condition);
    const variable = infra.variable.slack_bot_token as {
      default?: unknown;
      validation?: Array<{ condition: string }>;
    };

    expect(conditions).toContain(tf('var.slack_bot_token != null || var.slack_client_id != null'));
    expect(variable.default).toBeNull();
    expect(variable.validation?.[0]?.condition).toMatch(/^\$\{var\.slack_bot_token == null \|\|/);
    expect(infra.locals.one_workspace).toBe(tf('var.slack_bot_token != null'));
    expect(infra.locals.tokens_in_store).toBe(tf('local.install_enabled'));
  });

  it('leaves null variables out of every function’s environment, so one map serves every mode', () => {
    const main = readFileSync('infra/modules/function/main.tf', 'utf8');

    expect(main).toContain('{ for name, value in var.environment : name => value if value != null }');
  });

  it('lets poster, controls, sweeper and reaper read only installation items, by key, and open only Slack tokens, only when install is deployed', () => {
    // Prepare
    type Condition = { test: string; variable: string; values: string[] };
    const docs = infra.data.aws_iam_policy_document ?? {};
    const statements = (doc: string) =>
      (docs[doc]?.statement ?? []) as Array<{ sid: string; actions: string[]; condition: Condition[] }>;
    const read = statements('read_stored_tokens');
    const revoke = statements('delete_user_tokens');
    const forgetBot = statements('forget_dead_bot_tokens');

    // Assess
    for (const doc of ['read_stored_tokens', 'delete_user_tokens', 'stored_token_key'])
      expect([doc, docs[doc]?.count]).toEqual([doc, tf('local.tokens_in_store ? 1 : 0')]);
    expect(read.map((st) => [st.sid, st.actions])).toEqual([
      ['ReadStoredTokens', ['dynamodb:GetItem']],
      ['OpenStoredTokens', ['kms:Decrypt']],
    ]);
    for (const st of [read[0], revoke[0]])
      expect(st?.condition[0]).toMatchObject({
        test: 'ForAllValues:StringLike',
        variable: 'dynamodb:LeadingKeys',
      });
    expect(resolveLocal(infra, read[0]?.condition[0]?.values)).toEqual([`${INSTALLATION_PREFIX}*`]);
    // The deleters delete user token items only (inst#<key>#<user>), never an installation item.
    const userItems = resolveLocal(infra, revoke[0]?.condition[0]?.values) as string[];
    expect(userItems).toEqual([`${INSTALLATION_PREFIX}*#*`]);
    const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const matches = (key: string) =>
      userItems.some((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`).test(key));
    expect(['inst#T0001#U0001', 'inst#E0001#U0001'].every(matches)).toBe(true);
    expect(['inst#T0001', 'inst#E0001', 'oauth#x', 'snap#T0001:x'].some(matches)).toBe(false);
    expect(read[1]?.condition[0]).toMatchObject({
      test: 'StringEquals',
      variable: 'kms:EncryptionContext:purpose',
    });
    expect(read[1]?.condition[0]?.values.map((v) => resolveLocal(infra, v))).toEqual([
      tokenContext({ key: 'T0001', kind: 'bot' }).purpose,
    ]);
    expect(revoke.map((st) => [st.sid, [...st.actions].sort()])).toEqual([
      ['DeleteUserTokens', ['dynamodb:DeleteItem']],
      ['UnlistUserGrants', ['dynamodb:DeleteItem', 'dynamodb:UpdateItem']],
    ]);
    expect(resolveLocal(infra, revoke[1]?.condition[0]?.values)).toEqual([`${GRANTS_PREFIX}*`]);
    // A dead bot token: workspace items only (inst#<key>, not inst#<key>#<user>), distributed only.
    expect(infra.data.aws_iam_policy_document?.forget_dead_bot_tokens?.count).toBe(
      tf('local.one_workspace ? 0 : 1'),
    );
    expect(forgetBot.map((st) => [st.sid, [...st.actions].sort()])).toEqual([
      ['ForgetDeadBotTokens', ['dynamodb:DeleteItem', 'dynamodb:UpdateItem']],
    ]);
    expect(forgetBot[0]?.condition.map((c) => [c.test, c.variable, resolveLocal(infra, c.values)])).toEqual([
      ['ForAllValues:StringLike', 'dynamodb:LeadingKeys', [`${INSTALLATION_PREFIX}*`]],
      ['ForAllValues:StringNotLike', 'dynamodb:LeadingKeys', [`${INSTALLATION_PREFIX}*#*`]],
    ]);
    // Without install, no statement of theirs names installation items; distributed, no bot token.
    // Each of them lets go of a token Slack calls dead; only distributed, of a bot token. Only
    // the controls function (/snap revoke) reads the authors' index of grants.
    for (const fn of ['poster', 'controls', 'sweeper', 'reaper']) {
      const alone = functionStatements(infra, fn, modeOf('one-workspace'));
      const withInstall = functionStatements(infra, fn, modeOf('one-workspace with install'));
      const distributed = functionStatements(infra, fn, modeOf('distributed'));
      expect(alone.map((st) => st.sid)).not.toContain('ReadStoredTokens');
      expect(alone.map((st) => st.sid)).toContain('DecryptBotToken');
      expect(distributed.map((st) => st.sid)).toContain('ReadStoredTokens');
      expect(distributed.map((st) => st.sid)).not.toContain('DecryptBotToken');
      expect(distributed.map((st) => st.sid)).toEqual(
        expect.arrayContaining(['DeleteUserTokens', 'ForgetDeadBotTokens']),
      );
      expect(withInstall.map((st) => st.sid)).toContain('DeleteUserTokens');
      expect(withInstall.map((st) => st.sid)).not.toContain('ForgetDeadBotTokens');
      expect(distributed.some((st) => st.sid === 'ReadUserGrants')).toBe(fn === 'controls');
    }
  });

  it('defines the table with the keys, index, TTL and stream the code uses', () => {
    const t = table();
    const indexes = new Map(blocks(t.global_secondary_index).map((g) => [resolveLocal(infra, g.name), g]));
    const gsi = indexes.get(TABLE.dueIndex.name) ?? {};
    const author = indexes.get(TABLE.authorIndex.name) ?? {};
    const message = indexes.get(TABLE.messageIndex.name) ?? {};

    expect(resolveLocal(infra, t.hash_key)).toBe(TABLE.partitionKey);
    expect(t.range_key).toBeUndefined();
    expect(resolveLocal(infra, gsi.name)).toBe(TABLE.dueIndex.name);
    expect(resolveLocal(infra, gsi.hash_key)).toBe(TABLE.dueIndex.partitionKey);
    expect(resolveLocal(infra, gsi.range_key)).toBe(TABLE.dueIndex.sortKey);
    expect(gsi.projection_type).toBe('INCLUDE');
    expect(resolveLocal(infra, gsi.non_key_attributes)).toEqual([...TABLE.dueIndex.projected]);
    expect(resolveLocal(infra, author.hash_key)).toBe(TABLE.authorIndex.partitionKey);
    expect(resolveLocal(infra, author.range_key)).toBe(TABLE.authorIndex.sortKey);
    expect(resolveLocal(infra, author.non_key_attributes)).toEqual([...TABLE.authorIndex.projected]);
    expect(resolveLocal(infra, message.hash_key)).toBe(TABLE.messageIndex.partitionKey);
    expect(message.range_key).toBeUndefined();
    expect(resolveLocal(infra, message.non_key_attributes)).toEqual([...TABLE.messageIndex.projected]);
    expect(indexes.size).toBe(3);
    expect(resolveLocal(infra, blocks(t.ttl)[0]?.attribute_name)).toBe(TABLE.ttlAttribute);
    expect(blocks(t.ttl)[0]?.enabled).toBe(true);
    expect(t.stream_enabled).toBe(true);
    expect(['OLD_IMAGE', 'NEW_AND_OLD_IMAGES']).toContain(t.stream_view_type);
    expect(t.billing_mode).toBe('PAY_PER_REQUEST');
    expect(blocks(t.point_in_time_recovery)[0]?.enabled).toBe(true);
    // Backups hold deleted installations and snap coordinates: a week, not the default 35 days.
    expect(blocks(t.point_in_time_recovery)[0]?.recovery_period_in_days).toBe(7);
    expect(blocks(t.server_side_encryption)[0]?.enabled).toBe(true);
    const types = Object.fromEntries(blocks(t.attribute).map((a) => [resolveLocal(infra, a.name), a.type]));
    expect(types).toEqual({
      [TABLE.partitionKey]: 'S',
      [TABLE.dueIndex.partitionKey]: 'S',
      [TABLE.dueIndex.sortKey]: 'N',
      [TABLE.authorIndex.partitionKey]: 'S',
      [TABLE.authorIndex.sortKey]: 'N',
      [TABLE.messageIndex.partitionKey]: 'S',
    });
  });

  it('defines the reveal table with the key and TTL the code uses, and nothing that copies an item: no stream, no point-in-time recovery, no index', () => {
    const t = infra.resource.aws_dynamodb_table?.reveal_keys as Record<string, unknown>;

    expect(resolveLocal(infra, t.hash_key)).toBe(REVEAL_TABLE.partitionKey);
    expect(t.range_key).toBeUndefined();
    expect(blocks(t.attribute).map((a) => [resolveLocal(infra, a.name), a.type])).toEqual([
      [REVEAL_TABLE.partitionKey, 'S'],
    ]);
    expect(resolveLocal(infra, blocks(t.ttl)[0]?.attribute_name)).toBe(REVEAL_TABLE.ttlAttribute);
    expect(blocks(t.ttl)[0]?.enabled).toBe(true);
    // Off, and not merely by default: the blocks that would turn them on are absent.
    expect(t.stream_enabled).toBeUndefined();
    expect(t.stream_view_type).toBeUndefined();
    expect(t.point_in_time_recovery).toBeUndefined();
    expect(t.global_secondary_index).toBeUndefined();
    expect(t.local_secondary_index).toBeUndefined();
    expect(t.replica).toBeUndefined();
    expect(blocks(t.server_side_encryption)[0]?.enabled).toBe(true);
    expect(t.tags).toEqual({ 'snap-backup': 'never' });
    // No event source mapping reads it: it has no stream to read.
    const mappings = Object.values(infra.resource.aws_lambda_event_source_mapping ?? {});
    expect(mappings.map((m) => String(m.event_source_arn))).not.toContain(
      tf('aws_dynamodb_table.reveal_keys.stream_arn'),
    );
  });

  it('refuses every way of copying the reveal table to everyone, the account included, in its resource policy', () => {
    const policy = infra.resource.aws_dynamodb_resource_policy?.reveal_keys as Record<string, unknown>;
    const statements = policyStatements(infra, 'reveal_keys_table');

    expect(policy.resource_arn).toBe(tf('aws_dynamodb_table.reveal_keys.arn'));
    expect(policy.policy).toBe(tf('data.aws_iam_policy_document.reveal_keys_table.json'));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      effect: 'Deny',
      resources: [tf('aws_dynamodb_table.reveal_keys.arn')],
      principals: [{ type: '*', identifiers: ['*'] }],
      conditions: [],
    });
    expect(statements[0]?.actions).toEqual(
      expect.arrayContaining([
        'dynamodb:CreateBackup',
        'dynamodb:StartAwsBackupJob',
        'dynamodb:UpdateContinuousBackups',
        'dynamodb:ExportTableToPointInTime',
        'dynamodb:CreateTableReplica',
        'dynamodb:EnableKinesisStreamingDestination',
      ]),
    );
  });

  it.each(MODE_NAMES)(
    'lets only the poster, controls, sweeper and reaper reach reveals’ keys, each as far as its code needs, on key items only (%s)',
    (name) => {
      // Prepare: every statement of every role that names the reveal table.
      const mode = modeOf(name);
      const onTable = (fn: string) =>
        policyStatements(
          infra,
          String(/data\.aws_iam_policy_document\.(\w+)\.json/.exec(String(module(fn).policy_json))?.[1]),
          undefined,
          mode,
        ).filter((s) => s.resources.includes(tf('aws_dynamodb_table.reveal_keys.arn')));

      // Act
      const actions = Object.fromEntries(
        FUNCTIONS.filter((fn) => deployedIn(module(fn), mode)).map((fn) => [
          fn,
          onTable(fn)
            .flatMap((s) => s.actions)
            .sort(),
        ]),
      );

      // Assess
      expect(actions).toMatchObject({
        ack: [],
        poster: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
        controls: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        sweeper: ['dynamodb:DeleteItem'],
        reaper: ['dynamodb:DeleteItem'],
      });
      if (actions.install) expect(actions.install).toEqual([]);
      const onKeys = {
        test: 'ForAllValues:StringLike',
        variable: 'dynamodb:LeadingKeys',
        values: [`${REVEAL_KEY_PREFIX}*`],
      };
      // Only controls, which reads keys anyway, may ask for an item back: the others write blind.
      const writesBlind = {
        test: 'StringEqualsIfExists',
        variable: 'dynamodb:ReturnValues',
        values: ['NONE'],
      };
      for (const fn of ['poster', 'controls', 'sweeper', 'reaper'])
        for (const st of onTable(fn)) {
          expect(st.conditions).toEqual(fn === 'controls' ? [onKeys] : [onKeys, writesBlind]);
          expect(environmentIn(fn, mode).set).toContain('SNAP_REVEAL_TABLE_NAME');
        }
      expect(resolveLocal(infra, module('poster').environment)).toMatchObject({
        SNAP_REVEAL_TABLE_NAME: tf('aws_dynamodb_table.reveal_keys.name'),
      });
    },
  );

  it.each(FUNCTIONS)('scopes every permission of %s to exact resources, never "*"', (fn) => {
    const statements = functionStatements(infra, fn);

    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.actions.length).toBeGreaterThan(0);
      for (const action of s.actions) expect(action).not.toMatch(/\*/);
      for (const resource of s.resources) {
        expect(resource).not.toBe('*');
        expect(resource).toMatch(/^\$\{(aws_|module\.|local\.sweeper_function_arn\})/);
      }
    }
  });

  it('names the sweeper function exactly where a role may start its workers', () => {
    // The module cannot name itself in its own role: the ARN is spelled out, to the one function.
    expect(module('sweeper').name).toBe(tf('local.sweeper_function_name'));
    const arn = [
      'arn:',
      tf('data.aws_partition.current.partition'),
      ':lambda:',
      tf('data.aws_region.current.region'),
      ':',
      tf('data.aws_caller_identity.current.account_id'),
      ':function:',
      tf('local.sweeper_function_name'),
    ];
    expect(infra.locals.sweeper_function_arn).toBe(arn.join(''));
    // ack and install invoke the poster and controls; only these two may start a worker.
    const starters = FUNCTIONS.filter((fn) =>
      functionStatements(infra, fn).some(
        (s) =>
          s.actions.includes('lambda:InvokeFunction') &&
          s.resources.some((r) => r.includes(tf('local.sweeper_function_arn')) || r.includes('sweeper')),
      ),
    );
    expect(starters.sort()).toEqual(['poster', 'sweeper']);
    for (const fn of ['poster', 'sweeper'])
      expect(
        functionStatements(infra, fn)
          .filter((s) => s.actions.includes('lambda:InvokeFunction'))
          .flatMap((s) => s.resources),
      ).toEqual([tf('local.sweeper_function_arn')]);
  });

  it('drops poster events at the age the poster refuses them', () => {
    const invokeConfig = infra.resource.aws_lambda_function_event_invoke_config?.poster as Record<
      string,
      unknown
    >;

    expect(invokeConfig.maximum_event_age_in_seconds).toBe(MAX_EVENT_AGE_MS / 1000);
  });

  it('lets only ack and install be invoked from the internet, and only through the API', () => {
    const permissions = Object.values(infra.resource.aws_lambda_permission ?? {});
    const byPrincipal = permissions.map((p) => [p.principal, p.function_name]);

    expect(byPrincipal).toContainEqual(['apigateway.amazonaws.com', `\${module.ack.name}`]);
    expect(byPrincipal).toContainEqual(['apigateway.amazonaws.com', `\${module.install.name}`]);
    expect(byPrincipal).toContainEqual(['events.amazonaws.com', `\${module.sweeper.name}`]);
    expect(permissions).toHaveLength(3);
    expect(infra.resource.aws_lambda_function_url).toBeUndefined();
    const routes = Object.values(infra.resource.aws_apigatewayv2_route ?? {});
    expect(routes.map((r) => interpolateLocals(infra, String(r.route_key))).sort()).toEqual(
      [`POST ${COMMAND_PATH}`, `POST ${INTERACTIONS_PATH}`, `\${each.value}`].sort(),
    );
  });

  it('gives install’s browser routes, which take unsigned requests, their own smaller throttle, and Slack’s events, served in every mode, one sized for Slack', () => {
    // Prepare
    const stage = infra.resource.aws_apigatewayv2_stage?.default as Record<string, unknown>;
    const dynamic = (stage.dynamic as Record<string, Array<Record<string, unknown>>>).route_settings ?? [];
    const fixed = blocks(stage.route_settings);
    const variable = (name: string) => Number((infra.variable[name] as Record<string, unknown>).default);
    const browsers = infra.locals.browser_routes as string;
    const [browser] = dynamic;
    const [events] = fixed;

    // Assess: the browsers' allowance covers every install route but the events', with Add to
    // Slack only; the events' allowance is there whatever the mode.
    expect(dynamic).toHaveLength(1);
    expect(fixed).toHaveLength(1);
    expect(browser?.for_each).toBe(tf('local.install_enabled ? local.browser_routes : {}'));
    expect(browsers).toContain('local.install_routes');
    expect(browsers).toContain('name != "events"');
    expect(blocks(browser?.content)[0]).toMatchObject({
      route_key: tf('route_settings.value'),
      throttling_rate_limit: tf('var.install_throttle_rate'),
      throttling_burst_limit: tf('var.install_throttle_burst'),
    });
    expect(
      interpolateLocals(infra, String((infra.locals.install_routes as Record<string, string>).events)),
    ).toBe(`POST ${EVENTS_PATH}`);
    expect(events).toMatchObject({
      route_key: tf('local.install_routes.events'),
      throttling_rate_limit: tf('var.events_throttle_rate'),
      throttling_burst_limit: tf('var.events_throttle_burst'),
    });
    expect(infra.locals.install_routes_deployed).toBe(
      tf('local.install_enabled ? local.install_routes : { events = local.install_routes.events }'),
    );
    // Slack's ~8 events a second per workspace at its own limit, for several workspaces at once;
    // browsers' a handful.
    expect(variable('install_throttle_rate')).toBeLessThan(variable('api_throttle_rate'));
    expect(variable('events_throttle_rate')).toBeGreaterThanOrEqual(5 * 8);
    expect(variable('events_throttle_burst')).toBeGreaterThanOrEqual(variable('events_throttle_rate'));
    expect(stage.depends_on).toContain(tf('aws_apigatewayv2_route.install'));
  });

  it('routes exactly the install paths the code serves to install, each with its own invoke permission', () => {
    // Prepare
    const routes = infra.locals.install_routes as Record<string, string>;
    const route = infra.resource.aws_apigatewayv2_route?.install as Record<string, unknown>;
    const permission = infra.resource.aws_lambda_permission?.install as Record<string, unknown>;

    // Assess
    expect(
      Object.values(routes)
        .map((r) => interpolateLocals(infra, r))
        .sort(),
    ).toEqual(
      [
        `GET ${LANDING_PATH}`,
        `GET ${INSTALL_PATH}`,
        `GET ${OAUTH_REDIRECT_PATH}`,
        `POST ${EVENTS_PATH}`,
      ].sort(),
    );
    // Slack's events in every mode (App Home), the browser routes only with the app's client id.
    expect(infra.locals.install_routes_deployed).toBe(
      tf('local.install_enabled ? local.install_routes : { events = local.install_routes.events }'),
    );
    expect(route.for_each).toBe(tf('local.install_routes_deployed'));
    expect(permission.for_each).toBe(route.for_each);
    expect(String(permission.source_arn)).toBe(
      `\${aws_apigatewayv2_api.slack.execution_arn}/*/\${replace(each.value, " ", "")}`,
    );
    expect(module('install').count).toBeUndefined();
    expect(infra.locals.install_enabled).toBe(`\${var.slack_client_id != null}`);
  });

  it('lets install touch only its own key prefixes in each table, seal tokens and open only its two secrets, hand App Home to controls', () => {
    // Prepare
    type Condition = { test: string; variable: string; values: string[] };
    const doc = infra.data.aws_iam_policy_document?.install as { statement: Array<Record<string, unknown>> };
    const oauth = infra.data.aws_iam_policy_document?.install_oauth as {
      statement: Array<Record<string, unknown>>;
    };
    const bySid = new Map([...doc.statement, ...oauth.statement].map((st) => [st.sid, st]));
    const condition = (sid: string) => blocks(bySid.get(sid)?.condition)[0] as unknown as Condition;

    // Assess: installations in their own table, OAuth flows (and nothing else) in the snap table.
    for (const sid of ['StoreInstallations', 'KeepOAuthStates'])
      expect(condition(sid)).toMatchObject({
        test: 'ForAllValues:StringLike',
        variable: 'dynamodb:LeadingKeys',
      });
    expect(bySid.get('StoreInstallations')?.resources).toEqual([tf('aws_dynamodb_table.installations.arn')]);
    expect(resolveLocal(infra, condition('StoreInstallations').values)).toEqual([
      `${INSTALLATION_PREFIX}*`,
      `${GRANTS_PREFIX}*`,
      `${SETTINGS_PREFIX}*`,
    ]);
    expect(oauth).toMatchObject({ count: tf('local.install_enabled ? 1 : 0') });
    expect(bySid.get('HandHomeToControls')?.resources).toEqual([tf('module.controls.arn')]);
    expect(bySid.get('KeepOAuthStates')?.resources).toEqual([tf('aws_dynamodb_table.snaps.arn')]);
    expect(resolveLocal(infra, condition('KeepOAuthStates').values)).toEqual([`${STATE_PREFIX}*`]);
    // Saved, marked used by the redirect, read back when the success page is reloaded.
    expect(bySid.get('KeepOAuthStates')?.actions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    // At uninstall, the workspace's activity counts in the snap table: deleted, nothing more.
    expect(bySid.get('ForgetActivity')?.resources).toEqual([tf('aws_dynamodb_table.snaps.arn')]);
    expect(resolveLocal(infra, condition('ForgetActivity').values)).toEqual([`${ACTIVITY_PREFIX}*`]);
    expect(bySid.get('ForgetActivity')?.actions).toEqual(['dynamodb:DeleteItem']);
    expect(bySid.get('SealTokens')?.actions).toEqual(['kms:Encrypt']);
    expect(condition('SealTokens').variable).toBe('kms:EncryptionContext:purpose');
    expect(condition('SealTokens').values.map((v) => resolveLocal(infra, v))).toEqual([
      tokenContext({ key: 'T0001', kind: 'bot' }).purpose,
    ]);
    expect(condition('DecryptSigningSecret').values.map((v) => interpolateLocals(infra, v))).toEqual([
      'SLACK_SIGNING_SECRET',
    ]);
    expect(condition('DecryptClientSecret').values.map((v) => interpolateLocals(infra, v))).toEqual([
      'SLACK_CLIENT_SECRET',
    ]);
    expect([...new Set(functionStatements(infra, 'install').flatMap((st) => st.actions))].sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'lambda:InvokeFunction',
    ]);
  });

  it('keeps installations and settings in a table of their own in every mode, with no stream, no TTL and no index, encrypted, with a week of backups', () => {
    const installations = infra.resource.aws_dynamodb_table?.installations as Record<string, unknown>;

    expect(installations.count).toBeUndefined();
    expect(installations.hash_key).toBe(tf('local.table.partition_key'));
    expect(installations.stream_enabled).toBe(false);
    expect(installations.stream_view_type).toBeUndefined();
    expect(installations.ttl).toBeUndefined();
    expect(installations.global_secondary_index).toBeUndefined();
    expect(blocks(installations.server_side_encryption)[0]?.enabled).toBe(true);
    expect(blocks(installations.point_in_time_recovery)[0]).toMatchObject({
      enabled: true,
      recovery_period_in_days: 7,
    });
    // The snap table's stream, which the reaper reads, carries no installation item nor any
    // settings: whoever reads either finds it in this table, in every mode (the reaper reads
    // tokens only, and only where they can be stored).
    for (const fn of ['poster', 'controls', 'sweeper', 'install'])
      expect([
        fn,
        (resolveLocal(infra, module(fn).environment) as Record<string, unknown>)
          .SNAP_INSTALLATIONS_TABLE_NAME,
      ]).toEqual([fn, tf('aws_dynamodb_table.installations.name')]);
    expect(
      (resolveLocal(infra, module('reaper').environment) as Record<string, unknown>)
        .SNAP_INSTALLATIONS_TABLE_NAME,
    ).toBe(tf('local.tokens_in_store ? aws_dynamodb_table.installations.name : null'));
  });
});

describe('the reaper stream filter', () => {
  const pattern = JSON.parse(readFileSync('infra/reaper-filter.json', 'utf8')) as Record<string, unknown>;

  /** Lambda event filtering for the pattern forms used here: arrays of exact values or prefixes, nested objects. */
  function matches(rule: unknown, value: unknown): boolean {
    if (Array.isArray(rule))
      return rule.some((v) =>
        typeof v === 'object' && v !== null && 'prefix' in v
          ? typeof value === 'string' && value.startsWith(String((v as { prefix: unknown }).prefix))
          : v === value,
      );
    if (typeof rule === 'object' && rule !== null) {
      if (typeof value !== 'object' || value === null) return false;
      return Object.entries(rule).every(([k, r]) => matches(r, (value as Record<string, unknown>)[k]));
    }
    return false;
  }

  const ttlRemove = {
    eventName: 'REMOVE',
    userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    dynamodb: { Keys: { pk: { S: 'snap#T1:1.2.3' } }, OldImage: {} },
  };
  /** The TTL removal of another kind of item in the same table. */
  const expiredItem = (pk: string) => ({ ...ttlRemove, dynamodb: { Keys: { pk: { S: pk } }, OldImage: {} } });

  it('is referenced by the event source mapping', () => {
    const mapping = infra.resource.aws_lambda_event_source_mapping?.reaper as Record<string, unknown>;
    const filter = blocks(blocks(mapping.filter_criteria)[0]?.filter)[0];

    expect(String(filter?.pattern)).toContain('reaper-filter.json');
    expect(mapping.function_response_types).toEqual(['ReportBatchItemFailures']);
    expect(mapping.bisect_batch_on_function_error).toBe(true);
  });

  it('lets TTL removals through', () => {
    expect(matches(pattern, ttlRemove)).toBe(true);
  });

  it.each([
    ['a removal by a user or the sweeper', { eventName: 'REMOVE', dynamodb: {} }],
    [
      'a removal by another service',
      { ...ttlRemove, userIdentity: { type: 'Service', principalId: 'x.amazonaws.com' } },
    ],
    ['an insert', { ...ttlRemove, eventName: 'INSERT' }],
    ['a modification', { ...ttlRemove, eventName: 'MODIFY' }],
    // Abandoned OAuth flows and rate-limit counters expire by TTL too; they never wake the reaper.
    ['an expired OAuth state', expiredItem('oauth#9f86d081884c7d65')],
    ['an expired rate-limit counter', expiredItem('limit#user#T1#U1#29000000')],
  ])('holds back %s', (_name, record) => {
    expect(matches(pattern, record)).toBe(false);
  });
});

describe('the Slack app manifest', () => {
  const repoYaml = readFileSync('slack/manifest.yaml', 'utf8');
  const manifest = parseYaml(repoYaml) as {
    features: {
      slash_commands: Array<{ command: string; url: string }>;
      app_home?: { home_tab_enabled?: boolean };
      shortcuts: Array<{ type: string; callback_id: string }>;
    };
    oauth_config: { redirect_urls: string[]; scopes: { bot: string[]; user: string[] } };
    settings: {
      interactivity: { is_enabled: boolean; request_url: string };
      event_subscriptions: { request_url: string; bot_events: string[] };
      org_deploy_enabled: boolean;
    };
  };

  it('declares /snap at the path the API routes to ack', () => {
    const [command] = manifest.features.slash_commands;

    expect(command?.command).toBe('/snap');
    expect(new URL(command?.url ?? '').pathname).toBe(COMMAND_PATH);
  });

  it('routes interactivity to the path ack serves, with exactly the shortcuts ack routes', () => {
    // Prepare: the shortcuts ack has a route for, as the manifest would declare them.
    const routed = Object.keys(ROUTES)
      .map((key) => key.split(':'))
      .filter(([kind]) => kind === 'shortcut' || kind === 'message_shortcut')
      .map(([kind, id]) => ({ type: kind === 'shortcut' ? 'global' : 'message', callback_id: id }));
    const declared = (manifest.features.shortcuts as Array<{ type: string; callback_id: string }>).map(
      ({ type, callback_id }) => ({ type, callback_id }),
    );

    // Assess
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe(INTERACTIONS_PATH);
    expect(routed.length).toBeGreaterThan(0);
    expect(declared).toEqual(expect.arrayContaining(routed));
    expect(routed).toEqual(expect.arrayContaining(declared));
  });

  it('asks for the scopes the code needs, the very ones the install function requests', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['commands', 'chat:write', 'chat:write.customize', 'users:read']),
    );
    expect(manifest.oauth_config.scopes.bot).toEqual(BOT_SCOPES);
    expect(manifest.oauth_config.scopes.user).toEqual(USER_SCOPES);
  });

  it('sends OAuth back, and the app’s events, to the paths install serves; org-wide installs allowed', () => {
    expect(manifest.oauth_config.redirect_urls.map((u) => new URL(u).pathname)).toEqual([
      OAUTH_REDIRECT_PATH,
    ]);
    expect(new URL(manifest.settings.event_subscriptions.request_url).pathname).toBe(EVENTS_PATH);
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual([
      'app_home_opened',
      'app_uninstalled',
      'tokens_revoked',
    ]);
    expect(manifest.features.app_home).toMatchObject({ home_tab_enabled: true });
    expect(manifest.settings.org_deploy_enabled).toBe(true);
  });

  it('is what Terraform renders, with the real URL in place of the placeholder', () => {
    // Prepare
    const placeholder = String(infra.locals.manifest_placeholder_base);
    const base = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

    // Act: Terraform's replace(file(manifest), placeholder, api_endpoint)
    const rendered = parseYaml(repoYaml.replaceAll(placeholder, base)) as typeof manifest;

    // Assess
    expect(repoYaml).toContain(placeholder);
    expect(String(infra.locals.manifest_yaml)).toContain('slack/manifest.yaml');
    expect(rendered.features.slash_commands[0]?.url).toBe(`${base}${COMMAND_PATH}`);
    expect(rendered.settings.interactivity.request_url).toBe(`${base}${INTERACTIONS_PATH}`);
    expect(rendered.oauth_config.redirect_urls).toEqual([`${base}${OAUTH_REDIRECT_PATH}`]);
    expect(rendered.settings.event_subscriptions.request_url).toBe(`${base}${EVENTS_PATH}`);
    expect(interpolateLocals(infra, String(infra.output.install_url?.value))).toContain(INSTALL_PATH);
    expect(rendered.features.slash_commands[0]?.command).toBe(manifest.features.slash_commands[0]?.command);
    expect(rendered.oauth_config.scopes.bot).toEqual(manifest.oauth_config.scopes.bot);
    expect(String(infra.locals.request_url)).toContain(`\${local.command_path}`);
    expect(infra.locals.command_path).toBe(COMMAND_PATH);
    expect(infra.locals.interactions_path).toBe(INTERACTIONS_PATH);
  });
});

describe('every variable and output', () => {
  it('is typed and described', () => {
    for (const [name, v] of Object.entries(infra.variable)) {
      expect([name, typeof v.description]).toEqual([name, 'string']);
      expect([name, typeof v.type]).toEqual([name, 'string']);
    }
    for (const [name, o] of Object.entries(infra.output))
      expect([name, typeof o.description]).toEqual([name, 'string']);
  });

  it('keeps the Slack secrets sensitive', () => {
    expect(infra.variable.slack_signing_secret?.sensitive).toBe(true);
    expect(infra.variable.slack_bot_token?.sensitive).toBe(true);
    expect(infra.variable.slack_client_secret?.sensitive).toBe(true);
    expect(infra.variable.slack_client_id?.sensitive).toBeUndefined();
  });
});

describe('one workspace with install deployed', () => {
  it('stops the apply unless allowed_team_ids keeps other workspaces off the one bot token', async () => {
    const parsed = (await parse('kms.tf', readFileSync('infra/kms.tf', 'utf8'))) as {
      resource?: {
        aws_kms_ciphertext?: Record<
          string,
          Array<{ count?: string; lifecycle?: Array<{ precondition?: Array<{ condition: string }> }> }>
        >;
      };
    };
    const bot = parsed.resource?.aws_kms_ciphertext?.bot_token?.[0];
    const conditions = (bot?.lifecycle?.[0]?.precondition ?? []).map((p) => p.condition);

    expect(bot?.count).toBe(tf('local.one_workspace ? 1 : 0'));
    expect(conditions).toContain(tf('!local.install_enabled || length(var.allowed_team_ids) > 0'));
    expect(readFileSync('infra/tokens.tf', 'utf8')).not.toMatch(/^check /m);
  });
});
