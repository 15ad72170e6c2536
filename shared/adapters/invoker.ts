/** Lambda adapter: hands work to another function, asynchronously (Event) or waiting for its answer. */
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

/**
 * Invokes a function and waits for its answer (RequestResponse), for at most `timeoutMs`: its
 * payload, parsed. A function error (thrown, or timed out) is an `InvokeError` without its
 * message, which could quote the request.
 */
export async function invokeSync(
  functionName: string,
  payload: unknown,
  timeoutMs: number,
): Promise<unknown> {
  let out: { StatusCode?: number; FunctionError?: string; Payload?: Uint8Array };
  try {
    out = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
  } catch (error) {
    throw new InvokeError('Sync invoke failed', { cause: error });
  }
  if (out.FunctionError) throw new InvokeError('Sync invoke: the function failed');
  if (out.StatusCode !== 200) throw new InvokeError(`Sync invoke answered ${out.StatusCode ?? 'no status'}`);
  try {
    return JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as unknown;
  } catch (error) {
    throw new InvokeError('Sync invoke answered no JSON', { cause: error });
  }
}
