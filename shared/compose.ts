/**
 * Wiring the handlers share (adapters put together with use-case helpers; neither layer may
 * import the other this way).
 *
 * Where a function's Slack tokens come from, put together once at cold start. One workspace:
 * the configured bot token (decrypted here), and users' own tokens from the store when they can
 * be there. Distributed: every token from the installation store. Store lookups go through a
 * cache of at most five minutes, so a warm function asks neither DynamoDB nor KMS.
 */

import { InstallationStore } from './adapters/installation-store';
import { KmsTokenOpener, resolveSecret } from './adapters/kms';
import type { InstallationStorePort, TokenSealer, TokenSource } from './app/ports';
import { cachedTokens, fixedBotToken, storedTokens } from './app/token-source';
import type { SlackWorkerConfig } from './config';

export interface SlackTokens {
  /** Every token the function speaks with. */
  tokens: TokenSource;
  /** Users' own tokens, where they can be stored (absent: one workspace without install). */
  users?: {
    store: Pick<InstallationStorePort, 'removeUserToken' | 'userToken' | 'grantedKeys' | 'userScopes'>;
    sealer: Pick<TokenSealer, 'open'>;
    tokens: TokenSource;
  };
}

export async function slackTokens(config: SlackWorkerConfig, usersInStore: boolean): Promise<SlackTokens> {
  const store = new InstallationStore(config.installationsTableName);
  const sealer = new KmsTokenOpener();
  const stored = cachedTokens(storedTokens(store, sealer));
  const tokens = config.botToken
    ? fixedBotToken(
        await resolveSecret(config.botToken, 'SLACK_BOT_TOKEN'),
        usersInStore ? stored : undefined,
      )
    : stored;
  return { tokens, ...(usersInStore || !config.botToken ? { users: { store, sealer, tokens } } : {}) };
}
