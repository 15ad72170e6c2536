/**
 * Operating snap safely: reserved concurrency (a cap on the poster, a share for the others, a way
 * to turn it off) and alarms that reach someone for every failure that must not go unnoticed,
 * including the ones a concurrency cap makes possible. Parsed offline.
 */
import { readFileSync } from 'node:fs';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { evaluate, type Infra, loadInfra, tf } from '../support/infra';

const FUNCTIONS = ['ack', 'poster', 'controls', 'sweeper', 'reaper'] as const;
let infra: Infra;

beforeAll(async () => {
  infra = await loadInfra();
});

/**
 * The defaults of the reserved_concurrency object type, from `optional(number, N)`; the
 * sweeper's, given as `optional(number)`, follows the engine (local.sweeper_reservation).
 */
function reservationDefaults(
  sweepWorkers = Number(infra.variable.sweep_workers?.default),
): Record<string, number> {
  const type = String(infra.variable.reserved_concurrency?.type);
  const given = [...type.matchAll(/(\w+)\s*=\s*optional\(number,\s*(-?\d+)\)/g)].map((m) => [
    m[1],
    Number(m[2]),
  ]);
  const followed = [...type.matchAll(/(\w+)\s*=\s*optional\(number\)/g)].map((m) => [
    m[1],
    arithmetic(`${m[1]}_reservation`, 1, sweepWorkers),
  ]);
  return Object.fromEntries([...given, ...followed]);
}

/**
 * A local made of + and * over numbers, other locals, var.sweep_period_minutes and
 * var.sweep_workers, for the given settings.
 */
function arithmetic(name: string, periodMinutes: number, sweepWorkers = 1): number {
  const expand = (expr: string): string =>
    expr
      .replace(/^\$\{(.*)\}$/s, '$1')
      .replace(/local\.(\w+)/g, (_m, local: string) => `(${expand(String(infra.locals[local]))})`)
      .replace(/var\.sweep_period_minutes/g, String(periodMinutes))
      .replace(/var\.sweep_workers/g, String(sweepWorkers));
  const expr = expand(String(infra.locals[name]));
  if (!/^[\d\s+*()]+$/.test(expr)) throw new Error(`local.${name} is not plain arithmetic: ${expr}`);
  return Function(`return ${expr}`)() as number;
}

describe('reserved concurrency', () => {
  it('is a typed, described, validated variable that null turns off', () => {
    const variable = infra.variable.reserved_concurrency ?? {};
    const conditions = ((variable.validation ?? []) as Array<{ condition: string }>).map((v) => v.condition);

    expect(String(variable.type)).toMatch(/^\$\{object\(/);
    expect(String(variable.description)).toMatch(/null/);
    expect(variable.default).toEqual({});
    expect(variable.nullable).not.toBe(false);
    expect(conditions.join('\n')).toContain('var.reserved_concurrency == null ? true');
    expect(conditions.join('\n')).toContain('sweeper >= 2');
    expect(String(infra.locals.reserved_concurrency)).toContain(
      'coalesce(var.reserved_concurrency[fn], local.sweeper_reservation)',
    );
    expect(String(infra.locals.reserved_concurrency)).toContain('var.reserved_concurrency == null ? -1');
  });

  it.each(FUNCTIONS)('is wired into the %s function', (fn) => {
    const main = readFileSync('infra/modules/function/main.tf', 'utf8');

    expect(infra.module[fn]?.reserved_concurrency).toBe(`\${local.reserved_concurrency.${fn}}`);
    expect(main).toMatch(/reserved_concurrent_executions\s*=\s*var\.reserved_concurrency/);
  });

  it('reserves by default what each function needs and leaves the account its 100 unreserved', () => {
    // Prepare
    const defaults = reservationDefaults();
    const burst = Number(infra.variable.api_throttle_burst?.default);
    const periods = [1, 2, 3, 4, 5];

    // Act
    const overlappingSweeps = periods.map((p) => Math.ceil(arithmetic('sweeper_timeout', p) / (p * 60)));
    const total = Object.values(defaults).reduce((a, b) => a + b, 0);

    // Assess
    expect(Object.keys(defaults).sort()).toEqual([...FUNCTIONS].sort());
    expect(defaults.ack).toBeGreaterThanOrEqual(burst);
    expect(defaults.sweeper).toBeGreaterThanOrEqual(Math.max(...overlappingSweeps));
    expect(defaults.sweeper).toBeGreaterThanOrEqual(2);
    // One worker per group on watch and one finishing, whatever the number of groups, and the dispatcher.
    for (const workers of [1, 4, 16])
      expect(reservationDefaults(workers).sweeper).toBeGreaterThanOrEqual(2 * workers + 1);
    expect(defaults.reaper).toBeGreaterThanOrEqual(1);
    expect(defaults.poster).toBeGreaterThanOrEqual(1);
    expect(defaults.controls).toBeGreaterThanOrEqual(1);
    expect(total).toBeLessThanOrEqual(1_000 - 100);
  });

  it('warns at plan time when the reservations do not fit the account quota', async () => {
    const parsed = (await parse('concurrency.tf', readFileSync('infra/concurrency.tf', 'utf8'))) as {
      check?: Record<
        string,
        Array<{ data?: Record<string, unknown>; assert?: Array<{ condition: string }> }>
      >;
    };
    const check = parsed.check?.reserved_concurrency_fits_the_account?.[0];

    expect(Object.keys(check?.data ?? {})).toEqual(['aws_servicequotas_service_quota']);
    expect(check?.assert?.[0]?.condition).toMatch(/reserved_concurrency_total <= .*value - 100/);
  });
});

describe('alarms', () => {
  interface Alarm {
    namespace: string;
    metric: string;
    statistic: string;
    dimensions: Record<string, string>;
    threshold: number;
  }
  const alarms = () => evaluate(infra, infra.locals.alarms) as Record<string, Alarm>;
  const watching = (metric: string, dimension: string) =>
    Object.values(alarms())
      .filter((a) => a.metric === metric)
      .map((a) => a.dimensions[dimension]);

  it('all notify the topic, on alarm and on recovery', () => {
    const resources = Object.values(infra.resource.aws_cloudwatch_metric_alarm ?? {});

    // One resource over the map; the others are the log metric filters' (left-behind.tf, engine-faults.tf).
    const mapped = resources.filter((alarm) => alarm.for_each !== undefined);
    expect(mapped).toHaveLength(1);
    expect(mapped[0]?.for_each).toBe(tf('local.alarms'));
    expect(mapped[0]?.threshold).toBe(tf('each.value.threshold'));
    for (const alarm of resources) {
      expect(alarm.alarm_actions).toEqual([tf('aws_sns_topic.alarms.arn')]);
      expect(alarm.ok_actions).toEqual([tf('aws_sns_topic.alarms.arn')]);
    }
  });

  it('watch the install function for errors (deployed in every mode)', () => {
    const install = alarms()['install-errors'];
    const mapped = infra.resource.aws_cloudwatch_metric_alarm?.this ?? {};

    expect(mapped.count).toBeUndefined();
    expect(install?.metric).toBe('Errors');
    expect(install?.dimensions).toEqual({ FunctionName: tf('module.install.name') });
  });

  it('watch every function for errors and every failure queue for messages', () => {
    const queues = Object.keys(infra.resource.aws_sqs_queue ?? {});

    expect(watching('Errors', 'FunctionName').sort()).toEqual(
      [...FUNCTIONS, 'install'].map((fn) => `\${module.${fn}.name}`).sort(),
    );
    expect(watching('ApproximateNumberOfMessagesVisible', 'QueueName').sort()).toEqual(
      queues.map((q) => `\${aws_sqs_queue.${q}.name}`).sort(),
    );
  });

  it('watch each function with a failure destination for records that could not be delivered', () => {
    expect(watching('DestinationDeliveryFailures', 'FunctionName').sort()).toEqual(
      [tf('module.poster.name'), tf('module.controls.name'), tf('module.reaper.name')].sort(),
    );
  });

  it('watch throttling where a concurrency cap turns load into failure: ack, poster, controls, sweeper', () => {
    expect(watching('Throttles', 'FunctionName').sort()).toEqual(
      [
        tf('module.ack.name'),
        tf('module.poster.name'),
        tf('module.controls.name'),
        tf('module.sweeper.name'),
      ].sort(),
    );
  });

  it("watch the reaper's iterator age: above a slow batch, well before records are given up", () => {
    // Prepare
    const mapping = infra.resource.aws_lambda_event_source_mapping?.reaper ?? {};
    const reaperTimeoutMs = Number(infra.module.reaper?.timeout) * 1000;
    const recordAgeMs = Number(mapping.maximum_record_age_in_seconds) * 1000;

    // Act
    const age = Object.values(alarms()).filter((a) => a.metric === 'IteratorAge');

    // Assess
    expect(age).toHaveLength(1);
    expect(age[0]).toMatchObject({
      namespace: 'AWS/Lambda',
      statistic: 'Maximum',
      dimensions: { FunctionName: tf('module.reaper.name') },
    });
    expect(age[0]?.threshold).toBeGreaterThan(reaperTimeoutMs);
    expect(age[0]?.threshold).toBeLessThanOrEqual(15 * 60_000);
    expect(age[0]?.threshold).toBeLessThan(recordAgeMs);
  });
});

describe('messages left behind', () => {
  const events = () => infra.locals.left_behind_events as string[];

  it('are counted from the log lines the code writes when it can no longer delete a message', () => {
    // Every event name must be one the code logs, so a renamed line cannot silence the alarm.
    const code = ['post-snap.ts', 'delete-snap.ts', 'reap.ts']
      .map((f) => readFileSync(`shared/app/${f}`, 'utf8'))
      .join('\n');

    expect(events().length).toBeGreaterThanOrEqual(5);
    for (const event of events()) expect([event, code.includes(`'${event}'`)]).toEqual([event, true]);
    expect(events()).toEqual(
      expect.arrayContaining(['poster.lost_track', 'snap.delete_given_up', 'reaper.delete_abandoned']),
    );
  });

  it('watch the poster, the controls, the sweeper and the reaper, and raise one alarm on the topic', () => {
    const filter = infra.resource.aws_cloudwatch_log_metric_filter?.left_behind as Record<string, unknown>;
    const alarm = infra.resource.aws_cloudwatch_metric_alarm?.left_behind as Record<string, unknown>;
    const transformation = (filter.metric_transformation as Array<Record<string, unknown>>)[0];

    expect(Object.keys(filter.for_each as object).sort()).toEqual([
      'controls',
      'poster',
      'reaper',
      'sweeper',
    ]);
    expect(String(filter.pattern)).toContain('local.left_behind_events');
    expect(transformation?.name).toBe(alarm.metric_name);
    expect(transformation?.namespace).toBe(alarm.namespace);
    expect(alarm.alarm_actions).toEqual([tf('aws_sns_topic.alarms.arn')]);
  });
});

describe('the deletion engine failing to keep a group on watch', () => {
  const events = () => infra.locals.engine_fault_events as string[];

  it('is counted from the log lines the code writes when a worker cannot be started or a watch kept', () => {
    // Every event name must be one the code logs, so a renamed line cannot silence the alarm.
    const code = ['watch.ts', 'dispatch.ts', 'sweep.ts', 'post-snap.ts']
      .map((f) => readFileSync(`shared/app/${f}`, 'utf8'))
      .join('\n');

    expect(events()).toEqual(
      expect.arrayContaining(['watch.summon_failed', 'dispatch.group_failed', 'sweep.watch_failed']),
    );
    for (const event of events()) expect([event, code.includes(`'${event}'`)]).toEqual([event, true]);
  });

  it('watches the poster and the sweeper, and raises one alarm on the topic', () => {
    const filter = infra.resource.aws_cloudwatch_log_metric_filter?.engine_faults as Record<string, unknown>;
    const alarm = infra.resource.aws_cloudwatch_metric_alarm?.engine_faults as Record<string, unknown>;
    const transformation = (filter.metric_transformation as Array<Record<string, unknown>>)[0];

    expect(Object.keys(filter.for_each as object).sort()).toEqual(['poster', 'sweeper']);
    expect(String(filter.pattern)).toContain('local.engine_fault_events');
    expect(transformation?.name).toBe(alarm.metric_name);
    expect(transformation?.namespace).toBe(alarm.namespace);
    expect(alarm.alarm_actions).toEqual([tf('aws_sns_topic.alarms.arn')]);
  });
});
