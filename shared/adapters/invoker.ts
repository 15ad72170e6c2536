/** Lambda adapter: hands work to another function asynchronously (InvocationType Event). */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { InvokeError } from '../errors';

const lambda = new LambdaClient({});

export async function invokeAsync(functionName: string, payload: unknown): Promise<void> {
  let status: number | undefined;
  try {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    status = out.StatusCode;
  } catch (error) {
    throw new InvokeError('Async invoke failed', { cause: error });
  }
  if (status !== 202) throw new InvokeError(`Async invoke answered ${status ?? 'no status'}, expected 202`);
}
