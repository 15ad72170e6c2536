/** What the benchmark takes from infra/: each function's memory and the alarms, so its figures follow the deployment. */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from '@cdktf/hcl2json';
import { FUNCTIONS } from './bundles';

/** `memory_size` of each function's module in infra/<fn>.tf (MB); controls runs the poster's bundle. */
export async function memorySizes(): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const fn of [...FUNCTIONS, 'controls']) {
    const parsed = (await parse(`${fn}.tf`, readFileSync(`infra/${fn}.tf`, 'utf8'))) as {
      module?: Record<string, Array<{ memory_size?: unknown }>>;
    };
    const size = parsed.module?.[fn]?.[0]?.memory_size;
    if (typeof size !== 'number')
      throw new Error(`infra/${fn}.tf: module "${fn}" has no numeric memory_size`);
    sizes[fn] = size;
  }
  return sizes;
}

/**
 * The CloudWatch alarms Terraform defines (a fixed fee): those always deployed (the map in
 * infra/alarms.tf) and those that come with an optional part (a counted alarm resource, e.g.
 * install's errors).
 */
export async function alarmCounts(): Promise<{ always: number; optional: number }> {
  const parsed = (await parse('alarms.tf', readFileSync('infra/alarms.tf', 'utf8'))) as {
    locals?: Array<{ alarms?: Record<string, unknown> }>;
  };
  const always = Object.keys(parsed.locals?.find((l) => l.alarms)?.alarms ?? {}).length;
  if (always === 0) throw new Error('infra/alarms.tf: no local.alarms map');
  let optional = 0;
  let extra = 0;
  for (const file of readdirSync('infra').filter((f) => f.endsWith('.tf'))) {
    const tf = (await parse(file, readFileSync(`infra/${file}`, 'utf8'))) as {
      resource?: {
        aws_cloudwatch_metric_alarm?: Record<string, Array<{ count?: unknown; for_each?: unknown }>>;
      };
    };
    for (const [, [alarm]] of Object.entries(tf.resource?.aws_cloudwatch_metric_alarm ?? {})) {
      if (alarm?.count !== undefined) optional++;
      else if (alarm?.for_each === undefined) extra++;
    }
  }
  return { always: always + extra, optional };
}
