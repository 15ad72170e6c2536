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
  description = "The Slack app's bot token (OAuth & Permissions → Bot User OAuth Token, starts with xoxb-). Stored only as KMS ciphertext in the function configuration."
  type        = string
  sensitive   = true

  validation {
    condition     = startswith(var.slack_bot_token, "xoxb-")
    error_message = "slack_bot_token must be a bot token starting with xoxb-."
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
