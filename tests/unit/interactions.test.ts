/**
 * The interactions router: Slack's payloads read into typed interactions (only what snap acts
 * on — never a message's text), and each routed by its kind and id to one use case.
 */
import { describe, expect, it } from '@jest/globals';
import { readInteraction } from '../../shared/adapters/slack-request';
import type { AcceptDeps } from '../../shared/app/accept-command';
import { acceptInteraction, type InteractionRoute, routeKey } from '../../shared/app/accept-interaction';
import type { Interaction } from '../../shared/app/ports';
import { createLogger } from '../../shared/log';

const form = (payload: unknown) => ({ payload: JSON.stringify(payload) });
const read = (payload: unknown) => {
  const out = readInteraction(form(payload));
  if (out.kind !== 'interaction') throw new Error(`not read: ${out.kind}`);
  return out.interaction;
};
const who = { team: { id: 'T1', enterprise_id: 'E0ORG' }, user: { id: 'U1' } };

function deps(handed: Array<{ event: unknown; to: string }> = []) {
  const lines: string[] = [];
  return {
    lines,
    handed,
    deps: {
      limits: { defaultSeconds: 60, maxSeconds: 604_800 },
      allowedTeams: new Set<string>(),
      seal: async () => ({ key: 'k', iv: 'i', data: 'd' }),
      handOff: async (event: unknown, to: string) => {
        handed.push({ event, to });
      },
      revealKey: async () => new Uint8Array(32),
      now: () => 1_700_000_000_000,
      log: createLogger({ fn: 'test' }, (line) => lines.push(line)),
    } as AcceptDeps,
  };
}

describe('reading interaction payloads', () => {
  it('reads a message shortcut with the message’s place, author, thread and files, leaving its text behind', () => {
    // Act
    const i = read({
      ...who,
      type: 'message_action',
      callback_id: 'snap_this',
      trigger_id: 'trig.1',
      channel: { id: 'C1' },
      response_url: 'https://hooks.slack.com/actions/1',
      message: {
        ts: '1700000000.000100',
        thread_ts: '1699999999.000001',
        user: 'U1',
        text: 'the door code is 4711',
        files: [
          { id: 'F1', name: 'secret.png', user: 'U1' },
          { id: 'F2', user: 'U1' },
        ],
      },
    });

    // Assess
    expect(i).toEqual({
      team: 'T1',
      enterprise: 'E0ORG',
      user: 'U1',
      id: 'T1:trig.1',
      kind: 'message_shortcut',
      callbackId: 'snap_this',
      triggerId: 'trig.1',
      responseUrl: 'https://hooks.slack.com/actions/1',
      message: {
        channel: 'C1',
        ts: '1700000000.000100',
        threadTs: '1699999999.000001',
        author: 'U1',
        files: ['F1', 'F2'],
      },
    });
    expect(JSON.stringify(i)).not.toContain('4711');
    expect(JSON.stringify(i)).not.toContain('secret.png');
  });

  it('keeps only the files the message’s author uploaded, so no one else’s file is deleted with their token', () => {
    // Prepare: alex (U1) shared ben's file (U2) in his own message; one file names no uploader
    const payload = {
      ...who,
      type: 'message_action',
      callback_id: 'snap_this',
      trigger_id: 'trig.2',
      channel: { id: 'C1' },
      response_url: 'https://hooks.slack.com/actions/2',
      message: {
        ts: '1700000000.000200',
        user: 'U1',
        files: [{ id: 'F1', user: 'U1' }, { id: 'FBEN', user: 'U2' }, { id: 'FNOONE' }],
      },
    };

    // Act
    const i = read(payload);

    // Assess
    expect(i.kind === 'message_shortcut' && i.message.files).toEqual(['F1']);
  });

  it('keeps no files of a message that names no author', () => {
    // Act
    const i = read({
      ...who,
      type: 'message_action',
      callback_id: 'snap_this',
      trigger_id: 'trig.3',
      channel: { id: 'C1' },
      response_url: 'https://hooks.slack.com/actions/3',
      message: { ts: '1700000000.000300', bot_id: 'B1', files: [{ id: 'F1' }] },
    });

    // Assess
    expect(i.kind === 'message_shortcut' && i.message.files).toEqual([]);
  });

  it('reads a global shortcut, a button in an ephemeral message and one in a view apart', () => {
    const global = read({ ...who, type: 'shortcut', callback_id: 'snap_new', trigger_id: 'trig.2' });
    const inList = read({
      ...who,
      type: 'block_actions',
      container: { type: 'message', channel_id: 'C1', is_ephemeral: true },
      response_url: 'https://hooks.slack.com/actions/2',
      actions: [{ action_id: 'delete_snap', value: 'T1:x', action_ts: '1700000000.1' }],
    });
    const inView = read({
      ...who,
      type: 'block_actions',
      container: { type: 'view', view_id: 'V1' },
      view: { id: 'V1' },
      actions: [{ action_id: 'delete_snap', value: 'T1:y', action_ts: '1700000000.2' }],
    });

    expect(global).toMatchObject({ kind: 'shortcut', callbackId: 'snap_new', id: 'T1:trig.2' });
    expect(inList).toMatchObject({ kind: 'button', container: 'ephemeral', channel: 'C1', value: 'T1:x' });
    expect(inView).toMatchObject({ kind: 'button', container: 'view', viewId: 'V1', value: 'T1:y' });
    expect(inView).not.toHaveProperty('responseUrl');
  });

  it('reads a click by someone of another organisation in a shared channel as happening in the card’s workspace, by a person of their own', () => {
    // Slack Connect: `team` is where the click happened (snap's installation), `user.team_id` the clicker's own.
    const payload = {
      type: 'block_actions',
      team: { id: 'T1', domain: 'acme' },
      user: { id: 'U0EXT', team_id: 'T9' },
      channel: { id: 'C1' },
      container: { type: 'message', channel_id: 'C1', message_ts: '1700000000.000100' },
      response_url: 'https://hooks.slack.com/actions/9',
      actions: [{ action_id: 'snap_reveal', value: 'reveal:T1:x', action_ts: '1700000000.3' }],
    };

    const click = read(payload);
    const own = read({ ...payload, user: { id: 'U1', team_id: 'T1' } });

    expect(click).toMatchObject({ team: 'T1', user: 'U0EXT', home: 'T9', kind: 'button' });
    expect(own).toMatchObject({ team: 'T1', home: 'T1' });
  });

  it('reads a submitted view’s inputs by block and action id, one id per view', () => {
    const i = read({
      ...who,
      type: 'view_submission',
      view: {
        id: 'V9',
        callback_id: 'snap_new_modal',
        private_metadata: 'bound',
        state: {
          values: {
            message: { text: { type: 'plain_text_input', value: 'line one\nline two' } },
            where: { conversation: { type: 'conversations_select', selected_conversation: 'C7' } },
            people: { users: { type: 'multi_users_select', selected_users: ['U2', 'U3'] } },
            nothing: { users: { type: 'multi_users_select', selected_users: [] } },
          },
        },
      },
    });

    expect(i).toMatchObject({ kind: 'view_submission', id: 'T1:view:V9', privateMetadata: 'bound' });
    expect(i.kind === 'view_submission' && i.values).toEqual({
      message: { text: { type: 'plain_text_input', value: 'line one\nline two' } },
      where: { conversation: { type: 'conversations_select', selected: 'C7' } },
      people: { users: { type: 'multi_users_select', selectedList: ['U2', 'U3'] } },
      nothing: { users: { type: 'multi_users_select', selectedList: [] } },
    });
  });

  it.each([
    ['not JSON', '{"type":'],
    ['no team', JSON.stringify({ type: 'shortcut', user: { id: 'U1' }, callback_id: 'x', trigger_id: 't' })],
    ['a shortcut without a trigger', JSON.stringify({ ...who, type: 'shortcut', callback_id: 'snap_new' })],
    [
      'an id that is not snap’s',
      JSON.stringify({ ...who, type: 'shortcut', callback_id: 'a b', trigger_id: 't' }),
    ],
    [
      'a message shortcut without a ts',
      JSON.stringify({
        ...who,
        type: 'message_action',
        callback_id: 'x',
        trigger_id: 't',
        channel: { id: 'C1' },
        response_url: 'u',
        message: {},
      }),
    ],
  ])('refuses a payload that is %s', (_case, payload) => {
    expect(readInteraction({ payload })).toEqual({ kind: 'invalid' });
  });

  it('ignores payload types snap does not act on', () => {
    expect(readInteraction(form({ ...who, type: 'block_suggestion' }))).toEqual({
      kind: 'ignored',
      type: 'block_suggestion',
    });
  });
});

describe('routing interactions', () => {
  const shortcut: Interaction = {
    team: 'T1',
    user: 'U1',
    id: 'T1:t',
    kind: 'shortcut',
    callbackId: 'snap_new',
    triggerId: 't',
  };

  it('finds a route by the interaction’s kind and id', async () => {
    // Prepare
    const seen: string[] = [];
    const route: InteractionRoute = async (i) => {
      seen.push(i.id);
      return { kind: 'errors', errors: { delay: 'no' } };
    };
    const { deps: d } = deps();

    // Act
    const answer = await acceptInteraction(shortcut, d, { [routeKey(shortcut)]: route });

    // Assess
    expect(routeKey(shortcut)).toBe('shortcut:snap_new');
    expect(seen).toEqual(['T1:t']);
    expect(answer).toEqual({ kind: 'errors', errors: { delay: 'no' } });
  });

  it('answers an interaction no route claims with an empty 200, logging only its kind and id', async () => {
    const { deps: d, lines, handed } = deps();

    const answer = await acceptInteraction({ ...shortcut, callbackId: 'unknown_thing' }, d, {});

    expect(answer).toEqual({ kind: 'ok' });
    expect(handed).toEqual([]);
    expect(lines.join('\n')).toContain('"interaction":"shortcut:unknown_thing"');
  });

  it('refuses a workspace snap does not serve before any route runs', async () => {
    const { deps: d } = deps();
    let ran = false;

    const answer = await acceptInteraction(
      shortcut,
      { ...d, allowedTeams: new Set(['T9']) },
      {
        [routeKey(shortcut)]: async () => {
          ran = true;
          return { kind: 'ok' };
        },
      },
    );

    expect(ran).toBe(false);
    expect(answer).toMatchObject({ kind: 'reply', reply: { text: expect.stringContaining('not enabled') } });
  });

  it('hands a click on Reveal to the controls function with the clicker’s own workspace beside the one it happened in', async () => {
    const { deps: d, handed } = deps();
    const click: Interaction = {
      team: 'T1',
      user: 'U0EXT',
      home: 'T9',
      id: 'T1:1700000000.3',
      kind: 'button',
      actionId: 'snap_reveal',
      value: 'reveal:T1:x',
      container: 'message',
      channel: 'C1',
      messageTs: '1700000000.000100',
      responseUrl: 'https://hooks.slack.com/actions/9',
    };

    await acceptInteraction(click, d);

    expect(handed).toEqual([
      { to: 'controls', event: expect.objectContaining({ kind: 'reveal_open', team: 'T1', home: 'T9' }) },
    ]);
  });

  it('hands a Delete now from a list to the controls function, marked to answer in place of the list', async () => {
    // Prepare
    const { deps: d, handed } = deps();
    const click: Interaction = {
      team: 'T1',
      user: 'U1',
      id: 'T1:1700000000.1',
      kind: 'button',
      actionId: 'delete_snap',
      value: 'T1:snap',
      container: 'ephemeral',
      channel: 'C1',
      responseUrl: 'https://hooks.slack.com/actions/3',
    };

    // Act
    const answer = await acceptInteraction(click, d);

    // Assess
    expect(answer).toEqual({ kind: 'ok' });
    expect(handed).toEqual([
      {
        to: 'controls',
        event: expect.objectContaining({
          id: 'T1:1700000000.1',
          action: { kind: 'delete', snapId: 'T1:snap', list: true },
        }),
      },
    ]);
  });
});
