/** Reads snap records out of DynamoDB stream images (no client needed: the stream brings the data). */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SnapRecord } from '../domain/snap';
import { liveFromItem } from './snap-item';

/** The live snap in an image; undefined for a tombstone (nothing to delete) or anything else. */
export function recordFromImage(image: Record<string, unknown> | undefined): SnapRecord | undefined {
  if (!image) return undefined;
  try {
    return liveFromItem(unmarshall(image as Record<string, AttributeValue>));
  } catch {
    return undefined;
  }
}
