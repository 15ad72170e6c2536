/**
 * Block Kit payloads are typed with `@slack/types`: a malformed block is a type error, caught by
 * `npm run typecheck` (part of `npm test`) before Slack would refuse it. The `@ts-expect-error`
 * lines below fail the type check if a block ever stops being checked.
 */
import { describe, expect, it } from '@jest/globals';
import type { PostArgs } from '../../shared/app/ports';
import { messageBlocks } from '../../shared/app/post-snap';
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
    const built = [
      ...messageBlocks('hello', ':bomb: context'),
      ...(listReply([{ id: 'T1:a', channel: 'C1', dueAt: 1_800_000_000_000 }]).blocks ?? []),
    ];

    expect(built.map((b) => b.type)).toEqual(['section', 'context', 'section', 'section']);
  });
});
