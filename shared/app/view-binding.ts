/**
 * Sealing a modal's binding into its `private_metadata` (controls, when it opens the view) and
 * opening it again (the poster, when it acts on the submission). The rules are in
 * shared/domain/view-metadata.ts; the keys are KMS's, behind the ports.
 */

import type { ModalKind } from '../domain/surfaces';
import {
  encodeMetadata,
  isViewBinding,
  metadataFresh,
  newNonce,
  readMetadata,
  type ViewBinding,
  viewAad,
} from '../domain/view-metadata';
import { SealError } from '../errors';
import type { BindingOpener, BindingSealer } from './ports';

type Who = { team: string; enterprise?: string | undefined; user: string };

/** The `private_metadata` of a view opened for `who`: the binding sealed, its nonce and time clear. */
export async function bindView(
  sealer: BindingSealer,
  who: Who,
  binding: ViewBinding,
  now: number,
): Promise<string> {
  const n = newNonce();
  const s = await sealer.seal(viewAad(who, binding.kind, n, now), binding);
  const t = binding.kind === 'snap_this' ? binding.ts : binding.threadTs;
  return encodeMetadata({
    v: 1,
    n,
    at: now,
    ...(binding.channel ? { c: binding.channel } : {}),
    ...(t ? { t } : {}),
    s,
  });
}

export type OpenedBinding =
  | { ok: true; nonce: string; binding: ViewBinding }
  | { ok: false; why: 'invalid' | 'stale' };

/**
 * Opens a submission's binding for `who` and `kind`. Anything else — another person's, another
 * modal's, altered, or older than a form stays good — does not open or is refused. KMS trouble
 * is thrown (a retry may succeed); a seal that does not open is `invalid`.
 */
export async function openBinding(
  opener: BindingOpener,
  raw: string,
  who: Who,
  kind: ModalKind,
  now: number,
): Promise<OpenedBinding> {
  const metadata = readMetadata(raw);
  if (!metadata) return { ok: false, why: 'invalid' };
  let opened: unknown;
  try {
    opened = await opener.open(metadata.s, viewAad(who, kind, metadata.n, metadata.at));
  } catch (error) {
    if (error instanceof SealError) return { ok: false, why: 'invalid' };
    throw error;
  }
  if (!isViewBinding(opened) || opened.kind !== kind) return { ok: false, why: 'invalid' };
  if (!metadataFresh(metadata.at, now)) return { ok: false, why: 'stale' };
  return { ok: true, nonce: metadata.n, binding: opened };
}
