locals {
  dist = "${path.module}/../dist"

  # The table's shape; shared/adapters/snap-item.ts (TABLE) must agree — a test checks it.
  table = {
    partition_key     = "pk"
    ttl_attribute     = "expiresAt"
    due_index         = "byDue"
    due_index_hash    = "dueShard"
    due_index_range   = "dueAt"
    due_index_include = ["team", "channel", "user", "state", "ts", "enterprise", "postedAs", "files"]

    author_index         = "byAuthor"
    author_index_hash    = "author"
    author_index_range   = "createdAt"
    author_index_include = ["team", "channel", "user", "state", "ts", "dueAt", "enterprise", "postedAs", "files"]

    message_index         = "byMessage"
    message_index_hash    = "message"
    message_index_include = ["team", "channel", "user", "state", "ts", "dueAt", "createdAt", "enterprise", "postedAs", "files"]
  }

  # The reveal table's shape; shared/adapters/reveal-store.ts (REVEAL_TABLE) must agree.
  reveal_table = {
    partition_key = "pk"
    ttl_attribute = "expiresAt"
  }

  sweep_period_seconds = var.sweep_period_minutes * 60
  # A sweeper worker covers due times up to one period plus a 15 s margin, plus 10 s for a late
  # schedule, from when it is started (shared/domain/engine.ts, workerSpanMs); its timeout adds
  # the 10 s to delete the last one and the 5 s a run keeps back. The poster waits out at most
  # the one snap that started a worker and is due within 1.5 s: its timeout covers a post (20 s
  # plus 10 s of rate limits), the record and the hand-over.
  sweep_window_seconds = local.sweep_period_seconds + 15
  sweeper_timeout      = local.sweep_window_seconds + 25
  poster_timeout       = 60
  # /snap revoke may spend a minute deleting the author's snaps (Slack's chat.delete limit).
  controls_timeout = 90

  # The sweeper runs the dispatcher (on its schedule) and the workers (invoked by the dispatcher
  # and by the poster). Its name and ARN are spelled out rather than taken from the module, which
  # cannot name itself in its own environment and role.
  sweeper_function_name = "${var.name_prefix}-sweeper"
  sweeper_function_arn  = "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:function:${local.sweeper_function_name}"


  # Key prefixes of the items each function writes (shared/adapters/snap-item.ts): every
  # item-level DynamoDB statement is confined to its own with dynamodb:LeadingKeys, so no role
  # reaches another kind of item in the shared table (installations above all).
  snap_keys    = ["snap#*"]
  counter_keys = ["limit#*"]
  watch_keys   = ["watch#*"]
  # Reveals' keys, in their own table (reveal.tf).
  reveal_keys = ["key#*"]
  slot_keys   = ["slot#*"]

  # Encryption contexts the code passes to KMS (shared/adapters/kms.ts).
  signing_secret_context = { app = "snap", secret = "SLACK_SIGNING_SECRET" }
  bot_token_context      = { app = "snap", secret = "SLACK_BOT_TOKEN" }
  message_key_context    = { app = "snap", purpose = "message" }
  # A reveal's own key; the code adds the reveal, workspace and conversation to it.
  reveal_key_context = { app = "snap", purpose = "reveal" }
  # A modal's binding (private_metadata): sealed by controls, opened by the poster only.
  view_key_context = { app = "snap", purpose = "view" }

  command_path      = "/slack/commands"
  interactions_path = "/slack/interactions"
  request_url       = "${aws_apigatewayv2_api.slack.api_endpoint}${local.command_path}"
  interactions_url  = "${aws_apigatewayv2_api.slack.api_endpoint}${local.interactions_path}"
}
