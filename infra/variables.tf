variable "name_prefix" {
  description = "Prefix for every resource name, so several snap installations can share an account."
  type        = string
  default     = "snap"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix must be 2-31 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "slack_signing_secret" {
  description = "The Slack app's signing secret (Basic Information → App Credentials). Stored only as KMS ciphertext in the function configuration."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.slack_signing_secret) >= 16
    error_message = "slack_signing_secret looks too short to be a Slack signing secret."
  }
}

variable "slack_bot_token" {
  description = "The Slack app's bot token (OAuth & Permissions → Bot User OAuth Token, starts with xoxb-): one-workspace mode, every bot call uses it. Stored only as KMS ciphertext in the function configuration. Null: distributed mode — each workspace's token comes from Add to Slack (slack_client_id is then required)."
  type        = string
  sensitive   = true
  default     = null

  validation {
    condition     = var.slack_bot_token == null || startswith(coalesce(var.slack_bot_token, "-"), "xoxb-")
    error_message = "slack_bot_token must be a bot token starting with xoxb- (or null for distributed mode)."
  }
}

variable "default_delay_seconds" {
  description = "Delay applied when a /snap command gives none."
  type        = number
  default     = 60

  validation {
    condition     = var.default_delay_seconds >= 1 && var.default_delay_seconds <= 604800 && floor(var.default_delay_seconds) == var.default_delay_seconds
    error_message = "default_delay_seconds must be a whole number from 1 to 604800 (7 days)."
  }
}

variable "max_delay_seconds" {
  description = "Longest delay a /snap command may ask for."
  type        = number
  default     = 604800

  validation {
    condition     = var.max_delay_seconds >= 1 && var.max_delay_seconds <= 604800 && floor(var.max_delay_seconds) == var.max_delay_seconds
    error_message = "max_delay_seconds must be a whole number from 1 to 604800 (7 days)."
  }
}

variable "sweep_period_minutes" {
  description = "How often the sweeper runs. Each run deletes everything due in its period at the exact due time; longer periods mean longer poster waits for short snaps."
  type        = number
  default     = 1

  validation {
    condition     = contains([1, 2, 3, 4, 5], var.sweep_period_minutes)
    error_message = "sweep_period_minutes must be 1, 2, 3, 4 or 5."
  }
}

variable "log_retention_days" {
  description = "How long CloudWatch keeps the functions' and the API's logs."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, …)."
  }
}

variable "alarm_email" {
  description = "E-mail address notified when an alarm fires (failure queues, function errors, sweeper throttles). Leave null for no notifications."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address or null."
  }
}

variable "api_throttle_rate" {
  description = "Steady-state requests per second the slash-command endpoint accepts."
  type        = number
  default     = 20

  validation {
    condition     = var.api_throttle_rate >= 1 && var.api_throttle_rate <= 10000
    error_message = "api_throttle_rate must be between 1 and 10000."
  }
}

variable "api_throttle_burst" {
  description = "Burst of requests the slash-command endpoint accepts above the steady rate."
  type        = number
  default     = 40

  validation {
    condition     = var.api_throttle_burst >= 1 && var.api_throttle_burst <= 5000
    error_message = "api_throttle_burst must be between 1 and 5000."
  }
}

variable "install_throttle_rate" {
  description = "Steady-state requests per second each browser route of install (the landing page, /slack/install, the OAuth redirect) accepts; people install a few times, and these routes take unsigned requests."
  type        = number
  default     = 5

  validation {
    condition     = var.install_throttle_rate >= 1 && var.install_throttle_rate <= 10000
    error_message = "install_throttle_rate must be between 1 and 10000."
  }
}

variable "install_throttle_burst" {
  description = "Burst each install route accepts above its steady rate."
  type        = number
  default     = 10

  validation {
    condition     = var.install_throttle_burst >= 1 && var.install_throttle_burst <= 5000
    error_message = "install_throttle_burst must be between 1 and 5000."
  }
}

variable "events_throttle_rate" {
  description = "Steady-state requests per second POST /slack/events accepts, in every mode (Slack's events about the app: App Home opened, uninstalls, revoked tokens). Sized for Slack's traffic, not a browser's: Slack delivers at most 30,000 events an hour per workspace (about 8 a second); snap's come one per person opening its Home tab, and a few per installation; 50 leaves room for many workspaces at once, and a flood of junk must exceed it to crowd Slack out."
  type        = number
  default     = 50

  validation {
    condition     = var.events_throttle_rate >= 1 && var.events_throttle_rate <= 10000
    error_message = "events_throttle_rate must be between 1 and 10000."
  }
}

variable "events_throttle_burst" {
  description = "Burst POST /slack/events accepts above its steady rate (many people opening snap's Home tab at once, an org-wide uninstall, many revocations)."
  type        = number
  default     = 100

  validation {
    condition     = var.events_throttle_burst >= 1 && var.events_throttle_burst <= 5000
    error_message = "events_throttle_burst must be between 1 and 5000."
  }
}

variable "allowed_team_ids" {
  description = "Slack workspace ids (T…, or E… for an Enterprise Grid org) allowed to use snap; commands from any other workspace are refused. Empty allows every workspace the app is installed in."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.allowed_team_ids : can(regex("^[TE][A-Z0-9]+$", id))])
    error_message = "allowed_team_ids must hold workspace ids like T0123ABCD."
  }
}

variable "allow_broadcast_mentions" {
  description = "Let @channel, @here, @everyone and user-group mentions inside snaps notify people. Off by default: snap posts them inert, since the app could ping where the author may not."
  type        = bool
  default     = false
}

variable "reserved_concurrency" {
  description = <<-EOT
    Reserved concurrent executions per function: a cap for the poster, a guaranteed share for ack, sweeper and reaper. -1 for one function = no reservation; null = none at all (for a new account whose Lambda quota is only 10). Defaults:
    ack 50 — the API admits at most 40 requests at once (burst) and 20 per second; a warm ack answers in milliseconds, a cold one in under a second.
    poster 100 — a short snap holds a poster until it is due (up to ~75 s), other snaps for well under a second; beyond 100 at once, events wait in Lambda's async queue and are retried (snaps post late, the poster-throttles alarm fires).
    controls 30 — an author's list, cancel, Delete now or revoke, each a second or two (a revoke up to a minute), at most ack's 20 requests a second; the shortcuts' modals (Slack's trigger lasts 3 s); and App Home, up to the events route's 50 openings a second at a fraction of a second each (about 10 at once); its own share, so the poster's traffic never holds them up.
    sweeper 2 — a run lasts at most the sweep period + 40 s, so at most two overlap; fewer makes deletions late.
    reaper 10 — one execution per stream shard (parallelization factor 1); a small on-demand table has a few shards. Too few and the reaper falls behind (the iterator-age alarm fires).
    Together 192; AWS keeps at least 100 of the account's executions (default quota 1,000) unreserved.
  EOT
  type = object({
    ack      = optional(number, 50)
    poster   = optional(number, 100)
    controls = optional(number, 30)
    sweeper  = optional(number, 2)
    reaper   = optional(number, 10)
  })
  default = {}

  validation {
    condition     = var.reserved_concurrency == null ? true : alltrue([for n in values(var.reserved_concurrency) : n == -1 || (n >= 1 && n <= 900 && floor(n) == n)])
    error_message = "reserved_concurrency values must be -1 (no reservation) or whole numbers from 1 to 900 (AWS keeps 100 of the default 1,000 unreserved)."
  }

  validation {
    condition     = var.reserved_concurrency == null ? true : var.reserved_concurrency.sweeper == -1 || var.reserved_concurrency.sweeper >= 2
    error_message = "reserved_concurrency.sweeper must be at least 2 (two runs overlap) or -1."
  }
}

variable "failure_queue_reader_arns" {
  description = "IAM roles or users (ARN patterns, * allowed, e.g. an SSO permission set's role) who may receive, delete or purge messages in the two failure queues, besides the account's root user. Everyone else is denied by the queue policy, whatever their IAM policies say."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.failure_queue_reader_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", arn))])
    error_message = "failure_queue_reader_arns must hold IAM role or user ARNs like arn:aws:iam::123456789012:role/operator."
  }
}

variable "slack_client_id" {
  description = "The Slack app's client id (Basic Information → App Credentials). Set it to deploy the install function: Add to Slack for any workspace or Enterprise Grid org, users letting snap post as them, and the uninstall and revoked-token events. Null: no install function."
  type        = string
  default     = null

  validation {
    condition     = var.slack_client_id == null || can(regex("^[0-9]+\\.[0-9]+$", var.slack_client_id))
    error_message = "slack_client_id must look like 1234567890.1234567890."
  }
}

variable "slack_client_secret" {
  description = "The Slack app's client secret (Basic Information → App Credentials), required with slack_client_id. Stored only as KMS ciphertext in the install function's configuration."
  type        = string
  sensitive   = true
  default     = null
}

variable "snaps_per_user_per_minute" {
  description = "Snaps one user may post per minute in one workspace, or across an Enterprise Grid org, whose user ids span its workspaces (SNAP_LIMIT_USER_PER_MINUTE); beyond it the author is told when to try again and nothing is posted. 0 turns the limit off. The default, one every 2 seconds for a whole minute, is beyond anyone typing and reached by a script in 1.5 s."
  type        = number
  default     = 30

  validation {
    condition     = var.snaps_per_user_per_minute >= 0 && var.snaps_per_user_per_minute <= 100000 && floor(var.snaps_per_user_per_minute) == var.snaps_per_user_per_minute
    error_message = "snaps_per_user_per_minute must be a whole number from 0 (off) to 100000."
  }
}

variable "snaps_per_workspace_per_minute" {
  description = "Snaps one workspace may post per minute, all its users together (SNAP_LIMIT_TEAM_PER_MINUTE). 0 turns the limit off. The default is ten users at their own limit, and about what Slack itself accepts from an app in one workspace (several hundred posts a minute)."
  type        = number
  default     = 300

  validation {
    condition     = var.snaps_per_workspace_per_minute >= 0 && var.snaps_per_workspace_per_minute <= 100000 && floor(var.snaps_per_workspace_per_minute) == var.snaps_per_workspace_per_minute
    error_message = "snaps_per_workspace_per_minute must be a whole number from 0 (off) to 100000."
  }
}

variable "pending_snaps_per_user" {
  description = "Snaps one user may have waiting to self-destruct in one workspace (SNAP_LIMIT_USER_PENDING). 0 turns the limit off. The default is more than two pages of /snap list, and about a minute of Slack's chat.delete budget for a workspace, so one user's snaps falling due together hold others' deletions back by a minute at most."
  type        = number
  default     = 50

  validation {
    condition     = var.pending_snaps_per_user >= 0 && var.pending_snaps_per_user <= 100000 && floor(var.pending_snaps_per_user) == var.pending_snaps_per_user
    error_message = "pending_snaps_per_user must be a whole number from 0 (off) to 100000."
  }
}

variable "posters_per_workspace" {
  description = "Posters one workspace may have posting at once (SNAP_POSTERS_PER_WORKSPACE); beyond them its author is told snap is busy there and nothing is posted, so one workspace cannot hold every poster whatever it sends. 0 turns the cap off. The default, 10: Slack takes about one post a second per channel and the poster waits out a 429 for at most 10 s, so more posters waiting in one workspace's busiest channel could not post in time anyway, and ten post ~30 snaps a second when nothing is limited (docs/operations.md, \"Posters in flight\")."
  type        = number
  default     = 10

  validation {
    condition     = var.posters_per_workspace >= 0 && var.posters_per_workspace <= 100 && floor(var.posters_per_workspace) == var.posters_per_workspace
    error_message = "posters_per_workspace must be a whole number from 0 (off) to 100."
  }
}

variable "posters_per_org" {
  description = "Posters one Enterprise Grid org may have posting at once, all its workspaces together (SNAP_POSTERS_PER_ORG); 0 turns the cap off. The default, 30, is three workspaces' worth: with the poster's default reserved concurrency of 100, one org holds under a third of the posters."
  type        = number
  default     = 30

  validation {
    condition     = var.posters_per_org >= 0 && var.posters_per_org <= 100 && floor(var.posters_per_org) == var.posters_per_org
    error_message = "posters_per_org must be a whole number from 0 (off) to 100."
  }
}
