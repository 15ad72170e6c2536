/** What a failure leaves in a log line: stable codes, never free text, readable in minified bundles. */
import { describe, expect, it } from '@jest/globals';
import { SlackCallError } from '../../shared/errors';
import { errorFields } from '../../shared/log';

/** Like @slack/web-api's errors once bundled: the class name minified, taken as `name`. */
class Yp extends Error {
  readonly code: string;
  constructor(code: string) {
    super('An API error occurred: channel_not_found');
    this.name = this.constructor.name;
    this.code = code;
  }
}

describe('error fields in logs', () => {
  it('name a library’s cause by its code, not by its minified class name', () => {
    const error = new SlackCallError('chat.postMessage', 'platform', 'channel_not_found', {
      cause: new Yp('slack_webapi_platform_error'),
    });

    expect(errorFields(error)).toEqual({
      error: 'channel_not_found',
      slackMethod: 'chat.postMessage',
      slackFailure: 'platform',
      cause: 'slack_webapi_platform_error',
    });
  });

  it('fall back to the name when a code is free text, which is never logged', () => {
    const cause = Object.assign(new TypeError('boom'), { code: 'the door code is 4711' });

    const fields = errorFields(new SlackCallError('chat.delete', 'unavailable', 'request_failed', { cause }));

    expect(fields.cause).toBe('TypeError');
    expect(JSON.stringify(fields)).not.toContain('4711');
  });
});
