/**
 * Nothing leaked, across the whole suite: every end-to-end suite left a ledger of the texts it
 * sent and of everything its run produced outside Slack (tests/support/privacy.ts). Run last
 * (tests/support/sequencer.cjs), this looks for each text in all of it — as typed, JSON- and
 * URL-encoded, in either case, and in base64 at every alignment — and for each secret of the run
 * (every Slack token, the client secret) in all of it but what Slack itself received.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { LEDGER_DIR, type Ledger, POSTED, SHOWN, splitShown } from '../support/privacy';
import { until } from '../support/wait';

/** The suites in this run that must have left a ledger: every end-to-end suite. */
function suitesWithLedger(): string[] {
  const run = JSON.parse(readFileSync('test-output/privacy-run.json', 'utf8')) as string[];
  return run
    .filter((path) => path.includes('/tests/e2e/'))
    .map((path) => basename(path, '.test.ts'))
    .sort();
}

/** The forms a text could take where it leaked. */
function disguises(text: string): string[] {
  const forms = new Set([
    text,
    text.toLowerCase(),
    JSON.stringify(text).slice(1, -1),
    encodeURIComponent(text),
  ]);
  forms.add(new URLSearchParams({ t: text }).toString().slice(2));
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.from(`${'x'.repeat(shift)}${text}`).toString('base64');
    // Drop the groups that mix in the shift or the tail: what is left appears wherever the text does.
    const core = b64.slice(shift === 0 ? 0 : 4, -4);
    if (core.length >= 8) forms.add(core);
  }
  return [...forms].filter((f) => f.length >= 6);
}

describe('the privacy scan', () => {
  it('finds disguised texts where they are, so a miss means a clean run', () => {
    const text = 'the vault code is 0451';
    const haystack = [
      `log {"msg":"oops","text":${JSON.stringify(text)}}`,
      `body=${encodeURIComponent(text)}`,
      `payload ${Buffer.from(`{"a":"${text}"}`).toString('base64')}`,
    ];

    for (const line of haystack) expect(disguises(text).some((form) => line.includes(form))).toBe(true);
  });

  it('sets apart only the block that showed a secret, so the rest of that answer is scanned like any reply', () => {
    // Prepare: an answer that shows a secret, and one that (wrongly) also has it in its text.
    const replies = [
      {
        id: 'a',
        body: { text: 'The secret', blocks: [{ block_id: 'snap_secret', text: { text: 'hunter2-x' } }] },
      },
      { id: 'b', body: { text: 'hunter2-x', blocks: [{ block_id: 'other', text: { text: 'hunter2-x' } }] } },
    ];

    // Act
    const { rest, shown } = splitShown(replies);

    // Assess
    expect(JSON.stringify(shown)).toContain('hunter2-x');
    expect(JSON.stringify(rest[0])).not.toContain('hunter2-x');
    expect(JSON.stringify(rest[1]).match(/hunter2-x/g)).toHaveLength(2);
  });

  it('finds no message text in any log, record, stream event, reply, call, queued event or error of any suite, and no revealed secret anywhere but the block that showed it to its reader', async () => {
    // Prepare: wait for every ledger (other workers may still be finishing their suites).
    const expected = suitesWithLedger();
    if (expected.length === 0)
      throw new Error('no end-to-end suite in this run to scan: run the whole suite (npm test)');
    await until(
      () => (expected.every((s) => existsSync(`${LEDGER_DIR}/${s}.json`)) ? true : undefined),
      600_000,
    ).catch(() => {
      const missing = expected.filter((s) => !existsSync(`${LEDGER_DIR}/${s}.json`));
      throw new Error(`no privacy ledger from ${missing.join(', ')}, which ran`);
    });
    const ledgers = expected.map(
      (s) => JSON.parse(readFileSync(`${LEDGER_DIR}/${s}.json`, 'utf8')) as Ledger,
    );

    // Act
    const leaks: string[] = [];
    let scanned = 0;
    let revealed = 0;
    let artefacts = 0;
    for (const ledger of ledgers) {
      const texts = [...new Set(ledger.texts)].filter((t) => t.length >= 6);
      // A reveal's secret belongs nowhere, the message posted included (the card never holds it),
      // but in the one block that showed it to a person it was for.
      const secrets = [...new Set(ledger.reveals ?? [])].filter((t) => t.length >= 6);
      scanned += texts.length + secrets.length;
      revealed += secrets.length;
      for (const [where, items] of Object.entries(ledger.artefacts)) {
        if (where === SHOWN) continue;
        const sought = where === POSTED ? secrets : [...texts, ...secrets];
        artefacts += items.length;
        for (const item of items)
          for (const text of sought)
            if (disguises(text).some((form) => item.includes(form)))
              leaks.push(`${ledger.suite}: "${text}" in ${where}: ${item.slice(0, 200)}`);
      }
    }

    // Assess
    console.log(
      `privacy scan: ${scanned} texts (${revealed} revealed secrets) × ${artefacts} artefacts from ${ledgers.length} suites`,
    );
    expect(scanned).toBeGreaterThanOrEqual(expected.length);
    // The reveal suite shares secrets; had none reached its ledger, the scan would prove nothing of them.
    if (expected.includes('reveal')) expect(revealed).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  }, 620_000);

  it('finds no Slack token (bot or user), signing secret or client secret in any log, record, page, reply, event or Slack call of any suite', async () => {
    // Prepare: the ledgers the test before waited for.
    const ledgers = suitesWithLedger()
      .filter((s) => existsSync(`${LEDGER_DIR}/${s}.json`))
      .map((s) => JSON.parse(readFileSync(`${LEDGER_DIR}/${s}.json`, 'utf8')) as Ledger);

    // Act
    const leaks: string[] = [];
    let secrets = 0;
    for (const ledger of ledgers) {
      const mine = [...new Set(ledger.secrets ?? [])].filter((t) => t.length >= 8);
      secrets += mine.length;
      for (const [where, items] of Object.entries(ledger.artefacts)) {
        for (const item of items)
          for (const secret of mine)
            if (disguises(secret).some((form) => item.includes(form)))
              leaks.push(`${ledger.suite}: a secret (${secret.slice(0, 5)}…) in ${where}`);
      }
    }

    // Assess: every suite that lists its secrets has at least its bot token; those with Add to
    // Slack many more.
    const listing = ledgers.filter((l) => l.secrets !== undefined);
    console.log(`privacy scan: ${secrets} tokens and client secrets from ${listing.length} suites`);
    expect(listing.length).toBeGreaterThan(0);
    expect(secrets).toBeGreaterThanOrEqual(listing.length);
    expect(leaks).toEqual([]);
  });
});
