/**
 * Block Kit payloads are typed with `@slack/types`: a malformed block is a type error, caught by
 * `npm run typecheck` (part of `npm test`) before Slack would refuse it. The `@ts-expect-error`
 * lines below fail the type check if a block ever stops being checked.
 */
import { describe, expect, it } from '@jest/globals';
import { slackRefusal } from '../../local/slack-stand-in';
import type { PostArgs } from '../../shared/app/ports';
import { MESSAGE_TEXT_LIMIT, SECTION_TEXT_LIMIT, snapMessage } from '../../shared/domain/message';
import { listReply, type Reply } from '../../shared/domain/replies';

describe('Block Kit payloads', () => {
  it('are refused by the type checker when malformed', () => {
    const reply: Reply = {
      response_type: 'ephemeral',
      text: 'x',
      // @ts-expect-error: a text object's type is mrkdwn or plain_text
      blocks: [{ type: 'section', text: { type: 'markdown', text: 'x' } }],
    };
    const post: PostArgs = {
      channel: 'C1',
      text: 'x',
      // @ts-expect-error: a context block holds elements, not text
      blocks: [{ type: 'context', text: { type: 'mrkdwn', text: 'x' } }],
    };

    expect([reply.blocks?.length, post.blocks.length]).toEqual([1, 1]);
  });

  it('are built from known block types', () => {
    const long = snapMessage('x'.repeat(3_900), ':bomb: context');
    const built = [
      ...snapMessage('hello', ':bomb: context').blocks,
      ...(long.attachments?.flatMap((a) => (a.blocks ?? []) as Array<{ type: string }>) ?? []),
      ...(listReply([{ id: 'T1:a', channel: 'C1', dueAt: 1_800_000_000_000 }]).blocks ?? []),
    ];

    expect(built.map((b) => b.type)).toEqual(['section', 'context', 'context', 'section', 'section']);
  });

  it('fit what Slack takes at every length snap posts, up to its 4,000 characters', () => {
    const line = ':bomb: <@U1> used snap · self-destructs <!date^1800000060^{time_secs}|x>';

    const refused = [1, SECTION_TEXT_LIMIT, SECTION_TEXT_LIMIT + 1, 3_500, MESSAGE_TEXT_LIMIT]
      .map((n) => snapMessage('a'.repeat(n), line))
      .map((message) => slackRefusal({ ...message }));

    expect(refused).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('are refused by the stand-in as Slack refuses them: a long section, long blocks, a long text', () => {
    const section = (n: number) => ({ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(n) } });

    expect(slackRefusal({ text: 'x', blocks: [section(3_001)] })).toEqual({
      error: 'invalid_blocks',
      messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    });
    expect(
      slackRefusal({
        text: 'x',
        blocks: [section(3_000), section(3_000), section(3_000), section(3_000), section(1)],
      })?.error,
    ).toBe('msg_blocks_too_long');
    expect(slackRefusal({ text: 'a'.repeat(40_001) })?.error).toBe('msg_too_long');
  });
});
