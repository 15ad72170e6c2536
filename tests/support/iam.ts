/** Records which AWS SDK commands a handler sent through its mocks, as IAM actions. */
import { afterEach } from '@jest/globals';
import type { AwsStub } from 'aws-sdk-client-mock';
import { iamAction } from './infra';

type Service = 'dynamodb' | 'kms' | 'lambda';

// biome-ignore lint/suspicious/noExplicitAny: the stubs' input/output types do not matter here
export function recordIamActions(mocks: Array<[AwsStub<any, any, any>, Service]>): Set<string> {
  const seen = new Set<string>();
  afterEach(() => {
    for (const [mock, service] of mocks) {
      for (const call of mock.calls())
        seen.add(iamAction(service, (call.args[0] as object).constructor.name));
    }
  });
  return seen;
}
