import { describe, expect, it } from '@jest/globals';
import { SlackGateway } from '../../shared/adapters/slack';
import { posterConfig } from '../../shared/config';
import { ConfigError, SlackCallError } from '../../shared/errors';
import { captureLogs } from '../support/fakes';

const base = {
  SNAP_TABLE_NAME: 'snaps',
  SNAP_REVEAL_TABLE_NAME: 'reveals',
  SNAP_KMS_KEY_ID: 'alias/snap',
  SLACK_BOT_TOKEN: 'xoxb-test',
};

describe('SLACK_RESPONSE_URL_PREFIX', () => {
  it('defaults to Slack’s own response URLs', () => {
    expect(posterConfig(base).responseUrlPrefix).toBe('https://hooks.slack.com/');
  });

  it('takes a stand-in’s prefix', () => {
    const config = posterConfig({ ...base, SLACK_RESPONSE_URL_PREFIX: 'http://127.0.0.1:4000/response/' });

    expect(config.responseUrlPrefix).toBe('http://127.0.0.1:4000/response/');
  });

  it.each([
    'https://hooks.slack.com',
    'hooks.slack.com/',
    'ftp://hooks.slack.com/',
    'https://hooks.slack.com/?q=/',
  ])('refuses %s, naming the variable', (value) => {
    expect(() => posterConfig({ ...base, SLACK_RESPONSE_URL_PREFIX: value })).toThrow(
      new ConfigError('Environment variable SLACK_RESPONSE_URL_PREFIX must be an http(s) URL ending with /'),
    );
  });
});

describe('a reply to a response_url', () => {
  it.each([
    'https://hooks.slack.com.example.net/commands/T1/1/x',
    'https://example.net/https://hooks.slack.com/commands',
    'http://hooks.slack.com/commands/T1/1/x',
  ])('is refused before any request when the URL is not Slack’s: %s', async (url) => {
    const gateway = new SlackGateway({
      token: 'xoxb-test',
      apiUrl: 'http://127.0.0.1:9/api/',
      log: captureLogs().log,
    });

    const reply = gateway.reply(url, { response_type: 'ephemeral', text: 'hi' });

    await expect(reply).rejects.toEqual(
      expect.objectContaining({ kind: 'platform', code: 'response_url_refused', method: 'response_url' }),
    );
    await expect(reply).rejects.toBeInstanceOf(SlackCallError);
  });
});
