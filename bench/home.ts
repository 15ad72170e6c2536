/**
 * App Home (issue #21): a person opens snap's Home tab → `app_home_opened` reaches install →
 * handed to the controls function (async Invoke) → it renders from keyed reads (settings, one page
 * of the author index) and the person's role (users.info) → `views.publish`. Measured from the
 * event leaving Slack to the stand-in's receipt of views.publish.
 *
 * - warm: 200 openings by a person with 300 pending snaps (a page of 20 shown, "Older" behind a
 *   button), every function warm, in process;
 * - cold: each opening reaches a controls function freshly started in a process of its own (Node's
 *   start, the bundle's import, its init: the bot token opened with KMS).
 *
 * Target (DESIGN): warm p99 ≤ 1 s. Cold is printed beside Slack's 3 s for an answer, for scale.
 */
import type { Pipeline } from '../local/pipeline';
import type { PublishedHome } from '../local/slack-stand-in';
import { onFreshFunction } from './fresh';
import { fmt, judged, summary } from './stats';

const PERSON = 'U0HOMEBENCH';
const PENDING = 300;

async function opened(p: Pipeline): Promise<number> {
  const arrived = new Promise<number>((resolve) => {
    const onHome = (home: PublishedHome) => {
      if (home.user !== PERSON) return;
      p.slack.events.off('home', onHome);
      resolve(performance.now());
    };
    p.slack.events.on('home', onHome);
  });
  const started = performance.now();
  const answer = await p.openHome(PERSON);
  if (answer.statusCode !== 200) throw new Error(`install answered ${answer.statusCode}`);
  return (await arrived) - started;
}

export async function benchHome(p: Pipeline, distDir = 'dist'): Promise<void> {
  console.log('\nApp Home: app_home_opened → views.publish (a person with 300 pending snaps)');
  for (let i = 0; i < PENDING; i++)
    await p.command(`1d pending for the home bench ${i}`, {
      user_id: PERSON,
      channel_id: `C-home-${i % 10}`,
    });
  await p.lambda.settled();

  const warm: number[] = [];
  for (let i = 0; i < 210; i++) {
    const ms = await opened(p);
    if (i >= 10) warm.push(ms);
  }
  const w = summary(warm);
  const blocks = p.slack.homes.get(PERSON)?.blocks.length ?? 0;
  console.log(
    `  warm: published p50 ${fmt(w.p50)}, p99 ${fmt(w.p99)}, max ${fmt(w.max)} (${blocks} blocks) ${judged('p99 ≤ 1 s', w.p99 <= 1_000)}`,
  );

  const colds = await onFreshFunction(p, distDir, 'snap-controls', 90_000, () => opened(p));
  const c = summary(colds);
  console.log(
    `  cold controls: published p50 ${fmt(c.p50)}, p99 ${fmt(c.p99)}, max ${fmt(c.max)} (no target; Slack waits 3 s for an answer, here the event was answered at once)`,
  );
}
