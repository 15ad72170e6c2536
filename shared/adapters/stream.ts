/** Reads snap records out of DynamoDB stream images (no client needed: the stream brings the data). */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SnapRecord } from '../domain/snap';
import { fromItem } from './snap-item';

export function recordFromImage(image: Record<string, unknown> | undefined): SnapRecord | undefined {
  if (!image) return undefined;
  try {
    return fromItem(unmarshall(image as Record<string, AttributeValue>));
  } catch {
    return undefined;
  }
}
