/**
 * How the DynamoDB adapters call the SDK: a failure becomes a `StoreError` carrying it as its
 * cause (its message can quote the request, so it is never logged), and a conditional write
 * reports whether its condition held instead of throwing.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreError } from '../errors';

/**
 * The one DynamoDB client of a function, shared by its stores (snaps, installations), so a warm
 * connection serves both. Writes are retried harder than the SDK default: a record that cannot
 * be written means a posted message the poster has to take back.
 */
export const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }), {
  marshallOptions: { removeUndefinedValues: true },
});

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string })?.name === 'ConditionalCheckFailedException'
  );
}

export async function attempt<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StoreError(`DynamoDB ${what} failed`, { cause: error });
  }
}

/** A conditional write: true if it was applied, false if its condition did not hold. */
export async function conditionally(what: string, run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw new StoreError(`DynamoDB ${what} failed`, { cause: error });
  }
}
