/**
 * snap's Slack surfaces beyond `/snap`: the ids Slack sends back when someone uses them. The
 * shortcuts' callback ids are declared in slack/manifest.yaml (a test holds them equal); action
 * ids name the buttons snap puts in its messages and views.
 */

/** Shortcut callback ids (slack/manifest.yaml). */
export const SHORTCUT = {
  /** Message shortcut "Delete snap now": delete a pending snap early (its author only). */
  deleteSnap: 'delete_snap',
  /** Global shortcut: a modal to post a snap anywhere. */
  snapNew: 'snap_new',
  /** Message shortcut: a modal to post a snap in that message's thread. */
  snapReply: 'snap_reply',
  /** Message shortcut: make a message its author already sent self-destruct. */
  snapThis: 'snap_this',
} as const;

/** The modals' callback ids: the shortcut that opened each (a submission names it back). */
export const MODAL = {
  snapNew: SHORTCUT.snapNew,
  snapReply: SHORTCUT.snapReply,
  snapThis: SHORTCUT.snapThis,
} as const;
export type ModalKind = (typeof MODAL)[keyof typeof MODAL];

export const isModalKind = (value: string): value is ModalKind =>
  value === MODAL.snapNew || value === MODAL.snapReply || value === MODAL.snapThis;

/**
 * The inputs of snap's modals. Each input block's `block_id` is its element's `action_id`, so a
 * validation error (keyed by block id) lands under the field it is about.
 */
export const INPUT = {
  /** `conversations_select`: where a `snap_new` goes. */
  conversation: 'conversation',
  /** Multi-line `plain_text_input`: the message. */
  text: 'text',
  /** `plain_text_input` in the `/snap` delay grammar. */
  delay: 'delay',
  /** `checkboxes` (`snap_new`, `snap_reply`): "Reveal once" — the message is a secret behind a card. */
  reveal: 'reveal',
  /** `multi_users_select`: whom a reveal-once secret is for (none picked: anyone there). */
  revealFor: 'reveal_for',
} as const;

/** Action ids of the buttons snap puts in messages and views. */
export const ACTION = {
  /** "Delete now" beside a pending snap (`/snap list`, App Home). */
  deleteSnap: 'delete_snap',
  /** "Reveal" on a reveal-once card. */
  reveal: 'snap_reveal',
  /** App Home: older pending snaps (value: the createdAt of the last one shown). */
  homeOlder: 'home_older',
  /** App Home: back to the newest pending snaps. */
  homeNewest: 'home_newest',
  /** App Home: the person's own default delay (a select: seconds, or `none`). */
  myDefault: 'my_default',
  /** App Home, admins: the policy's shortest, longest and default delay (selects: seconds, or `off`). */
  policyMin: 'policy_min',
  policyMax: 'policy_max',
  policyDefault: 'policy_default',
  /** App Home, admins: switches (value `on` or `off`: what the click turns it to). */
  policyReveal: 'policy_reveal',
  policyAsUser: 'policy_as_user',
  policyActivity: 'policy_activity',
  /** App Home, admins: the conversations where snap is off (a multi conversation select). */
  policyOffChannels: 'policy_off_channels',
  /** App Home, admins: back to no policy (with a confirmation). */
  policyReset: 'policy_reset',
} as const;
