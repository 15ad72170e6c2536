/**
 * What the reveal-once suites share: a click on a card's *Reveal* button as Slack sends it, and
 * the attack the burn must defeat — every copy of every sealed thing a run ever produced, tried
 * with every key snap could ever unwrap.
 */
import type { Pipeline } from '../../local/pipeline';
import type { StandInMessage } from '../../local/slack-stand-in';
import { MESSAGE_KEY_CONTEXT, revealKeyContext, VIEW_KEY_CONTEXT } from '../../shared/adapters/kms';
import { isSealedSecret, openSecret, type SealedSecret } from '../../shared/domain/reveal-seal';
import {
  authorAad,
  isSealed,
  postAad,
  revealOpenAad,
  revealPostAad,
  revealSecretAad,
  type Sealed,
  unsealJson,
} from '../../shared/domain/seal';

let clicks = 0;

/** The reveal id a card's button carries. */
export const revealIdIn = (card: StandInMessage | undefined): string | undefined =>
  JSON.stringify(card?.blocks ?? []).match(/"action_id":"snap_reveal","value":"([^"]+)"/)?.[1];

/** A click on a card's *Reveal*, as Slack sends it, with a response_url of its own; returns that url's id. */
export async function click(
  p: Pipeline,
  card: StandInMessage,
  user: string,
  options: { team?: string; value?: string; responseId?: string; actionTs?: string } = {},
): Promise<{ responseId: string; status: number | undefined; body: string | undefined }> {
  const responseId = options.responseId ?? `click-${++clicks}`;
  const answer = await p.interact(clickPayload(p, card, user, { ...options, responseId }));
  return { responseId, status: answer.statusCode, body: answer.body };
}

export function clickPayload(
  p: Pipeline,
  card: Pick<StandInMessage, 'channel' | 'ts' | 'blocks'>,
  user: string,
  options: { team?: string; value?: string; responseId: string; actionTs?: string },
): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: options.team ?? 'T0LOCAL' },
    user: { id: user },
    channel: { id: card.channel },
    container: { type: 'message', channel_id: card.channel, message_ts: card.ts, is_ephemeral: false },
    message: { ts: card.ts },
    response_url: p.slack.responseUrl(options.responseId),
    trigger_id: `${Date.now()}.${++clicks}.click`,
    actions: [
      {
        action_id: 'snap_reveal',
        value: options.value ?? revealIdIn(card as StandInMessage),
        action_ts: options.actionTs ?? `${Date.now() / 1000}${++clicks}`,
      },
    ],
  };
}

/** The answers on a response_url, by its id. */
export const answersTo = (p: Pipeline, responseId: string) =>
  p.slack.replies.filter((r) => r.id === responseId).map((r) => r.body);

/** Every object nested anywhere in a JSON-able value (strings that hold JSON are opened too). */
function* walk(value: unknown, depth = 0): Generator<unknown> {
  if (depth > 40) return;
  if (typeof value === 'string') {
    if (/^[[{]/.test(value.trim())) {
      try {
        yield* walk(JSON.parse(value), depth + 1);
      } catch {
        // text that only looks like JSON
      }
    }
    return;
  }
  yield value;
  if (Array.isArray(value)) for (const v of value) yield* walk(v, depth + 1);
  else if (value && typeof value === 'object')
    for (const v of Object.values(value as Record<string, unknown>)) yield* walk(v, depth + 1);
}

const BASE64 = /^[A-Za-z0-9+/]{20,}={0,2}$/;

/** What a burned secret must withstand: every copy, every key. */
export interface Attack {
  /** Sealed secrets found (to the reveal's own key), and the secrets any key opened. */
  sealedSecrets: number;
  /** Trip seals found (ack → poster/controls, under a message key), and how many opened. */
  tripSeals: number;
  tripSealsOpened: number;
  /** Distinct keys KMS would unwrap from anything found, under any context snap uses. */
  keysUnwrapped: number;
  /** What was read in clear. */
  opened: string[];
}

/**
 * Takes every artefact given (JSON strings or values: table items, stream images, the card's
 * blocks, the events ack sent, logs…), finds every sealed secret and every trip seal in them,
 * and every string that could be a KMS ciphertext. Each of those is unwrapped with the KMS
 * stand-in under every encryption context snap uses (any reveal's, the message key's) — as a
 * role allowed to decrypt anything would; every trip seal is opened with every key so found
 * (what it holds joins the search); then every sealed secret is tried with every key, under the
 * associated data of every reveal the artefacts name.
 */
export function attack(p: Pipeline, artefacts: unknown[]): Attack {
  const seen = new Set<unknown>();
  const sealedSecrets: SealedSecret[] = [];
  const trips: Sealed[] = [];
  const blobs = new Set<string>();
  const reveals = new Map<
    string,
    { id: string; team: string; channel: string; user: string; enterprise?: string; for: string[] }
  >();
  const visit = (value: unknown) => {
    for (const node of walk(value)) {
      if (typeof node !== 'object' || node === null || seen.has(node)) continue;
      seen.add(node);
      if (isSealedSecret(node)) sealedSecrets.push(node);
      if (isSealed(node)) trips.push(node);
      const o = node as Record<string, unknown>;
      for (const v of Object.values(o)) if (typeof v === 'string' && BASE64.test(v)) blobs.add(v);
      // A reveal named anywhere (an event, a record): its id, workspace, conversation, author.
      const id = typeof o.id === 'string' ? o.id : typeof o.pk === 'string' ? o.pk.replace(/^snap#/, '') : '';
      if (
        id.startsWith('reveal:') &&
        typeof o.team === 'string' &&
        typeof o.channel === 'string' &&
        typeof o.user === 'string'
      )
        reveals.set(id, {
          id,
          team: o.team,
          channel: o.channel,
          user: o.user,
          ...(typeof o.enterprise === 'string' ? { enterprise: o.enterprise } : {}),
          // Whom it is for, as an event or a record says: sealed into the secret too.
          for:
            ((o.reveal as { for?: unknown } | undefined)?.for as string[] | undefined) ??
            reveals.get(id)?.for ??
            [],
        });
    }
  };
  for (const a of artefacts) visit(a);

  const contexts = () => [
    { ...MESSAGE_KEY_CONTEXT },
    // A form's binding (its private_metadata) is sealed under view keys: tried too.
    { ...VIEW_KEY_CONTEXT },
    ...[...reveals.values()].map((r) => revealKeyContext(r)),
  ];
  const keys = new Map<string, Buffer>();
  const unwrapAll = () => {
    for (const blob of blobs)
      for (const context of contexts()) {
        const plain = p.kms.decrypt(blob, context);
        if (plain?.byteLength === 32) keys.set(plain.toString('hex'), plain);
      }
  };
  unwrapAll();
  // Open every trip seal with every key found; what it holds may hold more to try, or be clear.
  const opened = new Set<string>();
  let tripSealsOpened = 0;
  for (const trip of trips) {
    const wrapped = [MESSAGE_KEY_CONTEXT, VIEW_KEY_CONTEXT]
      .map((context) => p.kms.decrypt(trip.key, { ...context }))
      .filter((k): k is Buffer => k !== undefined);
    const candidates = [...keys.values(), ...wrapped];
    for (const key of candidates) {
      const content = tryOpenTrip(key, trip, artefacts);
      if (content === undefined) continue;
      tripSealsOpened++;
      visit(content);
      // A snap's text travels this way; a secret that did would be read right here.
      const clear = content as { text?: unknown; secret?: unknown };
      for (const v of [clear.text, clear.secret]) if (typeof v === 'string') opened.add(v);
      break;
    }
  }
  unwrapAll();

  for (const sealed of sealedSecrets)
    for (const key of keys.values())
      for (const reveal of reveals.values()) {
        try {
          opened.add(openSecret(key, sealed, revealSecretAad(reveal)));
        } catch {
          // not this key, or not this reveal
        }
      }
  return {
    sealedSecrets: sealedSecrets.length,
    tripSeals: trips.length,
    tripSealsOpened,
    keysUnwrapped: keys.size,
    opened: [...opened],
  };
}

/**
 * A trip seal opens only under its event's exact associated data; the attacker has the events,
 * so every event's own fields are tried (snap/reveal, snap/post, snap/author, snap/reveal-open).
 */
function tryOpenTrip(key: Buffer, trip: Sealed, artefacts: unknown[]): unknown {
  for (const aad of tripAads(artefacts)) {
    try {
      return unsealJson(key, trip, aad);
    } catch {
      // another event's seal
    }
  }
  return undefined;
}

let aadCache: { from: unknown[]; aads: string[] } | undefined;
function tripAads(artefacts: unknown[]): string[] {
  if (aadCache?.from === artefacts) return aadCache.aads;
  const aads: string[] = [];
  for (const node of artefacts.flatMap((a) => [...walk(a)]))
    if (node && typeof node === 'object' && isSealed((node as { sealed?: unknown }).sealed))
      aads.push(...aadsOf(node));
  aadCache = { from: artefacts, aads };
  return aads;
}

/**
 * The associated data each kind of event is sealed with (shared/domain/seal.ts), from its clear
 * fields: not secret, so the attacker builds it as anyone could.
 */
function aadsOf(event: object): string[] {
  const e = event as Record<string, unknown>;
  try {
    if (e.kind === 'reveal_open') return [revealOpenAad(e as never)];
    if (e.reveal) return [revealPostAad(e as never)];
    if (e.action) return [authorAad(String(e.id), e as never)];
    return [postAad(e as never)];
  } catch {
    return [];
  }
}
