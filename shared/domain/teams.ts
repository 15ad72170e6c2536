/** ALLOWED_TEAM_IDS: which workspaces snap serves and may be installed in. */

/** Empty serves all; otherwise the workspace or its Enterprise Grid org must be listed. */
export function teamServed(
  allowed: ReadonlySet<string>,
  where: { team?: string | undefined; enterprise?: string | undefined },
): boolean {
  return (
    allowed.size === 0 ||
    (!!where.team && allowed.has(where.team)) ||
    (!!where.enterprise && allowed.has(where.enterprise))
  );
}
