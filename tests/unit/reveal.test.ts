/**
 * Reveal once, its rules: the grammar of `/snap reveal`, the seal of a secret to its reveal's own
 * key, who may open a card, and what the card and the answers say — never the secret but in the
 * one block shown to its reader.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseCommand } from '../../shared/domain/command';
import {
  invalidReply,
  notInConversationReply,
  revealCard,
  SECRET_BLOCK_ID,
  secretReply,
} from '../../shared/domain/replies';
import {
  isRevealOpenRequest,
  isRevealPostRequest,
  MAX_REVEAL_PEOPLE,
  MAX_SECRET_CHARS,
  openVerdict,
  revealIdOf,
} from '../../shared/domain/reveal';
import { openSecret, revealPublicKey, sealSecret } from '../../shared/domain/reveal-seal';
import { revealPostAad, revealSecretAad } from '../../shared/domain/seal';
import { isPostRequest } from '../../shared/domain/snap';
import { SealError } from '../../shared/errors';

const limits = { defaultSeconds: 60, maxSeconds: 7 * 86_400 };

describe('the /snap reveal grammar', () => {
  it.each([
    ['reveal <@U0ANA> the door code is 4711', 86_400, ['U0ANA'], 'the door code is 4711'],
    ['reveal 10m <@U0ANA> <@U0BEN> 4711', 600, ['U0ANA', 'U0BEN'], '4711'],
    ['Reveal 1h <@U0ANA|ana>, <@W0BOB|bob> pin 0000', 3600, ['U0ANA', 'W0BOB'], 'pin 0000'],
    ['reveal the wifi is hunter2', 86_400, [], 'the wifi is hunter2'],
    ['reveal <@U0ANA> <@U0ANA> twice named once', 86_400, ['U0ANA'], 'twice named once'],
    ['reveal 30s <@U0ANA> ask <@U0BEN> for the rest', 30, ['U0ANA'], 'ask <@U0BEN> for the rest'],
    ['reveal <@U0ANA>: the code is 4711', 86_400, ['U0ANA'], 'the code is 4711'],
    ['reveal <@U0ANA>,<@U0BEN> the code', 86_400, ['U0ANA', 'U0BEN'], 'the code'],
    ['reveal <@U0ANA>. the code', 86_400, ['U0ANA'], 'the code'],
    ['reveal 5m <@U0ANA>; <@U0BEN>: the code', 300, ['U0ANA', 'U0BEN'], 'the code'],
  ])('reads "%s" as a %is reveal for %j', (text, seconds, people, secret) => {
    // A reveal typed without a delay says so: the poster gives it a reveal's default within the policy.
    const typed = /^reveal\s+\d+[smhd]\b/i.test(text);
    expect(parseCommand(text, limits)).toEqual({
      kind: 'reveal',
      delaySeconds: seconds,
      people,
      secret,
      ...(typed ? {} : { defaulted: true }),
    });
  });

  it('keeps the default within a shorter longest delay', () => {
    expect(parseCommand('reveal x', { defaultSeconds: 60, maxSeconds: 3600 })).toMatchObject({
      kind: 'reveal',
      delaySeconds: 3600,
    });
  });

  it.each([
    ['reveal', 'no_secret'],
    ['reveal 5m', 'no_secret'],
    ['reveal <@U0ANA>', 'no_secret'],
    ['reveal 5m <@U0ANA>   ', 'no_secret'],
    ['reveal 8d x', 'out_of_range'],
    ['reveal -5s x', 'negative'],
    [`reveal ${'x'.repeat(MAX_SECRET_CHARS + 1)}`, 'secret_too_long'],
    [
      `reveal ${Array.from({ length: MAX_REVEAL_PEOPLE + 1 }, (_, i) => `<@U0P${i}>`).join(' ')} x`,
      'too_many_people',
    ],
    ['reveal @zoe xxxxxx', 'unknown_person'],
    ['reveal 5m <@U0ANA> @zoe, xxxxxx', 'unknown_person'],
    ['reveal <!subteam^S0DEV|@devs> xxxxxx', 'unknown_person'],
    ['reveal <!here> xxxxxx', 'unknown_person'],
    ['reveal <#C0GEN|general> xxxxxx', 'unknown_person'],
    ['reveal ＠zoe xxxxxx', 'unknown_person'],
    ['reveal ﹫zoe xxxxxx', 'unknown_person'],
    ['reveal \u200b@zoe xxxxxx', 'unknown_person'],
    ['reveal "@zoe" xxxxxx', 'unknown_person'],
    ['reveal <!subteam^S0DEV>: xxxxxx', 'unknown_person'],
    ['reveal <@U0ANA>xxxxxx', 'names_first'],
    ['reveal (<@U0ANA>) xxxxxx', 'names_first'],
    ['reveal for <@U0ANA> xxxxxx', 'names_first'],
    ['reveal 3pm <@U0ANA> xxxxxx', 'names_first'],
    ['reveal 10 min <@U0ANA> xxxxxx', 'names_first'],
  ])('refuses "%.40s" as %s, naming no secret in its reply', (text, problem) => {
    // Act
    const command = parseCommand(text, limits);
    const reply = command.kind === 'invalid' ? invalidReply(command, '/snap', limits) : undefined;

    // Assess
    expect(command).toMatchObject({ kind: 'invalid', problem });
    expect(reply?.text).toContain('Nothing was posted');
    expect(reply?.text).not.toContain('xxxxxx');
  });

  it.each([
    ['reveal @zoe the thing', '@zoe'],
    ['reveal <@U0ANA> @zoe, the thing', '@zoe'],
    ['reveal <!subteam^S0DEV|@devs> the thing', '@devs'],
    ['reveal <!channel> the thing', '@channel'],
    ['reveal <#C0GEN|general> the thing', '#general'],
    ['reveal <#C0GEN> the thing', 'a channel'],
  ])(
    'never reads "%s" as a secret anyone may open: the reply names %s and nothing is posted',
    (text, shown) => {
      // Act: Slack leaves an @name it could not resolve as plain text, even with escaping on.
      const command = parseCommand(text, limits);
      const reply = command.kind === 'invalid' ? invalidReply(command, '/snap', limits) : undefined;

      // Assess
      expect(command).toEqual({ kind: 'invalid', problem: 'unknown_person', word: shown });
      expect(reply?.text).toContain(`\`${shown}\``);
      expect(reply?.text).not.toContain('the thing');
    },
  );

  it('still takes an @ inside the secret, after its first word', () => {
    expect(parseCommand('reveal <@U0ANA> mail me at ops@example.com', limits)).toMatchObject({
      kind: 'reveal',
      people: ['U0ANA'],
      secret: 'mail me at ops@example.com',
    });
  });

  it('takes a secret of exactly the longest length', () => {
    expect(parseCommand(`reveal ${'y'.repeat(MAX_SECRET_CHARS)}`, limits)).toMatchObject({ kind: 'reveal' });
  });

  it('never loses or reorders a word of the secret, whatever follows the names', () => {
    let checked = 0;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('<@U0ANA>', '<@U0BEN|ben>', '<@W0X>,'), { maxLength: 3 }),
        fc.stringMatching(/^[^\s<]([^\n]{0,60}\S)?$/),
        (names, secret) => {
          // A delay first, so the secret's own first word is never read as one.
          const command = parseCommand(`reveal 1h ${[...names, secret].join(' ')}`, limits);
          if (command.kind !== 'reveal') return;
          checked++;
          expect(command.secret).toBe(secret);
        },
      ),
    );
    expect(checked).toBeGreaterThan(50);
  });
});

describe('a secret sealed to its reveal’s own key', () => {
  const reveal = { id: revealIdOf('T1:trig'), team: 'T1', channel: 'C1', user: 'U1', for: ['U0ANA'] };
  const aad = revealSecretAad(reveal);

  it('opens with that key, under that reveal’s fields, and nothing else', () => {
    // Prepare
    const key = randomBytes(32);
    const other = randomBytes(32);
    const sealed = sealSecret(revealPublicKey(key), 'the vault is 0451', aad);

    // Act & Assess
    expect(openSecret(key, sealed, aad)).toBe('the vault is 0451');
    expect(() => openSecret(other, sealed, aad)).toThrow(SealError);
    expect(() => openSecret(key, sealed, revealSecretAad({ ...reveal, channel: 'C2' }))).toThrow(SealError);
    expect(() => openSecret(key, sealed, revealSecretAad({ ...reveal, id: revealIdOf('T1:other') }))).toThrow(
      SealError,
    );
    // …nor for anyone added to, or removed from, the people it is for.
    expect(() => openSecret(key, sealed, revealSecretAad({ ...reveal, for: ['U0ANA', 'U0EVE'] }))).toThrow(
      SealError,
    );
    expect(() => openSecret(key, sealed, revealSecretAad({ ...reveal, for: [] }))).toThrow(SealError);
    expect(JSON.stringify(sealed)).not.toContain('0451');
  });

  it('refuses a sealed secret changed anywhere: its one-time key, nonce or body', () => {
    const key = randomBytes(32);
    const sealed = sealSecret(revealPublicKey(key), 'abc', aad);
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
      return bytes.toString('base64');
    };

    for (const field of ['epk', 'iv', 'data'] as const)
      expect(() => openSecret(key, { ...sealed, [field]: flip(sealed[field]) }, aad)).toThrow(SealError);
  });

  it('refuses to seal to a degenerate public key', () => {
    expect(() => sealSecret(new Uint8Array(32), 'x', aad)).toThrow();
  });

  it('seals the same secret differently each time (a one-time key and nonce each)', () => {
    const pub = revealPublicKey(randomBytes(32));

    expect(sealSecret(pub, 'same', aad)).not.toEqual(sealSecret(pub, 'same', aad));
  });
});

describe('who may open a card', () => {
  const card = (people: string[], opened: string[] = []) => ({ user: 'UA', reveal: { for: people, opened } });

  it.each([
    ['a person named, first of two', card(['U1', 'U2']), 'U1', { kind: 'show', burns: false }],
    ['the last person named', card(['U1', 'U2'], ['U1']), 'U2', { kind: 'show', burns: true }],
    ['a person named, again', card(['U1', 'U2'], ['U1']), 'U1', { kind: 'already_opened' }],
    ['someone not named', card(['U1']), 'U3', { kind: 'not_for_you', for: ['U1'] }],
    ['its author, not named', card(['U1']), 'UA', { kind: 'not_for_you', for: ['U1'] }],
    ['anyone, when no one is named', card([]), 'U3', { kind: 'show', burns: true }],
    ['its author, when no one is named', card([]), 'UA', { kind: 'author' }],
    ['its author, named by themselves', card(['UA']), 'UA', { kind: 'show', burns: true }],
  ])('%s', (_name, record, clicker, verdict) => {
    expect(openVerdict(record, clicker)).toEqual(verdict);
  });
});

describe('the card and the answers', () => {
  const SECRET = 'pin 7391 for the back door';

  it('names the author and the people, carries the Reveal button and the due time, and holds no secret', () => {
    const { text, blocks } = revealCard({
      id: 'reveal:T1:x',
      author: 'UA',
      people: ['U1', 'U2'],
      dueAtMs: 1_800_000_000_000,
      opened: ['U1'],
    });
    const json = JSON.stringify({ text, blocks });

    expect(text).toBe(':lock: <@UA> shared a secret for <@U1> and <@U2> · click Reveal to open it');
    expect(json).toContain('"action_id":"snap_reveal","value":"reveal:T1:x"');
    expect(json).toContain('<!date^1800000000^');
    expect(json).toContain('Opened by <@U1> · waiting for <@U2>');
  });

  it('shows a secret in its one block, in a new note to the clicker alone, never in the text notifications use', () => {
    const reply = secretReply('UA', SECRET, true);
    const secretBlocks = (reply.blocks ?? []).filter((b) => JSON.stringify(b).includes(SECRET));

    expect(reply).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      unfurl_links: false,
      unfurl_media: false,
    });
    expect(reply.text).not.toContain('7391');
    expect(secretBlocks).toEqual([expect.objectContaining({ block_id: SECRET_BLOCK_ID })]);
  });

  it('names everyone who is not in the conversation when it refuses', () => {
    expect(notInConversationReply(['U1', 'U2']).text).toContain(
      '<@U1> and <@U2> are not in this conversation',
    );
  });
});

describe('the events of a reveal', () => {
  const request = {
    v: 1 as const,
    id: revealIdOf('T1:trig'),
    team: 'T1',
    channel: 'C1',
    user: 'U1',
    delaySeconds: 60,
    receivedAt: 1,
    reveal: { for: ['U0ANA'] },
  };

  it('is never taken for a plain snap’s, nor a plain snap’s for a reveal’s', () => {
    const { reveal: _for, ...plain } = request;

    expect(isRevealPostRequest(request)).toBe(true);
    expect(isPostRequest(request)).toBe(false);
    expect(isPostRequest(plain)).toBe(false); // its id is still a reveal's
    expect(isPostRequest({ ...plain, id: 'T1:trig' })).toBe(true);
    expect(isRevealPostRequest({ ...request, id: 'T1:trig' })).toBe(false);
  });

  it('binds the people it is for into its seal, so none can be added or removed on the way', () => {
    expect(revealPostAad(request)).not.toBe(
      revealPostAad({ ...request, reveal: { for: ['U0ANA', 'U0EVE'] } }),
    );
    expect(revealPostAad(request)).not.toBe(revealPostAad({ ...request, reveal: { for: [] } }));
  });

  it('takes only a click that names a reveal', () => {
    const click = {
      v: 1,
      kind: 'reveal_open',
      id: 'T1:1.2',
      revealId: request.id,
      messageTs: '1.2',
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      receivedAt: 1,
    };

    expect(isRevealOpenRequest(click)).toBe(true);
    expect(isRevealOpenRequest({ ...click, revealId: 'T1:trig' })).toBe(false);
  });
});
