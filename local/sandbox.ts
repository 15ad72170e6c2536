/**
 * Who and where the sandbox is, in one place: its workspaces, their channels and direct messages,
 * and the people in them. `npm start` (local/start.ts) sends the page's commands from these
 * workspaces and conversations, declares them to the Slack stand-in (which then enforces who may
 * post where, and which workspace each conversation belongs to) and signs the sandbox user in to
 * Slack's authorize page as them; users.info answers with these names; the page
 * (local/page.html, which gets this object from local/start.ts) draws its sidebar from it, shows
 * `<#C…>` as #general and `<@U…>` as @ana, and turns a typed @name or #channel into what Slack
 * would send. Other suites use `team`, `channel` and `user`: the first workspace, where commands
 * come from unless told otherwise.
 */

export interface SandboxConversation {
  id: string;
  /** A channel's name; for a direct message, the other person's name. */
  name: string;
  /** As the stand-in declares it: `channel` public, `im` a DM between two people. */
  kind: 'channel' | 'private' | 'im' | 'mpim';
  /** User ids of the people in it. */
  members: string[];
}

/** Someone in a sandbox workspace; the page lets you be any of them. */
export interface SandboxPerson {
  id: string;
  name: string;
  /** A workspace admin (users.info `is_admin`, and the owner). */
  admin?: boolean;
}

export interface SandboxWorkspace {
  id: string;
  name: string;
  domain: string;
  /** Who the sandbox user is in this workspace at first (each workspace gives a person an id of its own). */
  user: { id: string; name: string };
  /** Everyone in it, the sandbox user first: the page switches between them. */
  people: SandboxPerson[];
  /** snap is added to it when `npm start` starts (through the real OAuth flow). */
  installedAtStart: boolean;
  conversations: SandboxConversation[];
}

const ACME: SandboxWorkspace = {
  id: 'T0LOCAL',
  name: 'Acme',
  domain: 'acme',
  user: { id: 'U0LOCAL', name: 'alex' },
  people: [
    { id: 'U0LOCAL', name: 'alex', admin: true },
    { id: 'U0ANA', name: 'ana' },
    { id: 'U0BEN', name: 'ben' },
  ],
  installedAtStart: true,
  conversations: [
    { id: 'C0LOCAL', name: 'general', kind: 'channel', members: ['U0LOCAL', 'U0ANA', 'U0BEN'] },
    { id: 'C0RANDOM', name: 'random', kind: 'channel', members: ['U0LOCAL', 'U0ANA', 'U0BEN'] },
    // Where a door code is most often shared, and where snap's bot cannot post. Its name is the
    // other person's, as alex sees it; ana sees it named alex.
    { id: 'D0ANA', name: 'ana', kind: 'im', members: ['U0LOCAL', 'U0ANA'] },
  ],
};

const GLOBEX: SandboxWorkspace = {
  id: 'T0GLOBEX',
  name: 'Globex',
  domain: 'globex',
  user: { id: 'U0GXALEX', name: 'alex' },
  people: [
    { id: 'U0GXALEX', name: 'alex', admin: true },
    { id: 'U0GXSAM', name: 'sam' },
  ],
  installedAtStart: false,
  conversations: [
    { id: 'C0GXGENERAL', name: 'general', kind: 'channel', members: ['U0GXALEX', 'U0GXSAM'] },
    { id: 'C0GXLAUNCH', name: 'launch', kind: 'channel', members: ['U0GXALEX', 'U0GXSAM'] },
  ],
};

const WORKSPACES = [ACME, GLOBEX];

export const SANDBOX = {
  /** The first workspace: where `Pipeline.command` sends from unless told otherwise. */
  team: { id: ACME.id, domain: ACME.domain },
  appId: 'A0LOCAL',
  appName: 'snap',
  /** Where commands are typed unless told otherwise. */
  channel: { id: 'C0LOCAL', name: 'general' },
  /** Who types them. */
  user: ACME.user,
  workspaces: WORKSPACES,
  /** Every conversation's name, by id, across the workspaces. */
  channels: Object.fromEntries(
    WORKSPACES.flatMap((w) => w.conversations.map((c) => [c.id, c.name])),
  ) as Record<string, string>,
  /** Every person's name, by id, across the workspaces. */
  users: {
    U0LOCAL: 'alex',
    U0ANA: 'ana',
    U0BEN: 'ben',
    U0GXALEX: 'alex',
    U0GXSAM: 'sam',
  } as Record<string, string>,
} as const;

/** A person of the workspace, by id; undefined for anyone else. */
export function personIn(workspace: SandboxWorkspace, id: unknown): SandboxPerson | undefined {
  return workspace.people.find((p) => p.id === id);
}

/** The workspace and conversation a conversation id belongs to, if the sandbox holds it. */
export function whereIs(
  conversation: string,
): { workspace: SandboxWorkspace; conversation: SandboxConversation } | undefined {
  for (const workspace of WORKSPACES) {
    const found = workspace.conversations.find((c) => c.id === conversation);
    if (found) return { workspace, conversation: found };
  }
  return undefined;
}
