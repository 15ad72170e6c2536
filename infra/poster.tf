# poster: invoked asynchronously by ack. Posts once (conditional write on the request id),
# records the message, hands snaps due before the next dispatch to their group's sweeper worker
# (starting it when none is on watch). An author's requests about their snaps go to the controls
# function instead (controls.tf). Failed events (after the bounded retries) go to a queue; they
# carry no readable text.
data "aws_iam_policy_document" "poster" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.decrypt_bot_token[*].json,
    data.aws_iam_policy_document.read_stored_tokens[*].json,
    [data.aws_iam_policy_document.reveal_attach.json],
    data.aws_iam_policy_document.delete_user_tokens[*].json,
    data.aws_iam_policy_document.forget_dead_bot_tokens[*].json,
    [data.aws_iam_policy_document.read_settings_count_activity.json],
  )

  statement {
    sid       = "TrackSnaps"
    actions   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.snap_keys
    }
  }

  # The rate limits' window counters: one conditional ADD each (countInWindow), never read or put.
  statement {
    sid       = "CountRequests"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.counter_keys
    }
  }

  # Short snaps go to their group's worker: a hand-over or a claim on the group's watch item.
  statement {
    sid       = "HandOverShortSnaps"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.watch_keys
    }
  }

  statement {
    sid       = "StartSweepWorkers"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.sweeper_function_arn]
  }

  # Posters in flight per workspace and org: slot#<team or org>#<i> items, read together, taken
  # with a conditional PutItem carrying the poster's deadline and the TTL attribute, deleted when
  # given back (shared/domain/slots.ts).
  statement {
    sid       = "HoldPosterSlots"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.slot_keys
    }
  }

  # The pending limit counts the author's live snaps.
  statement {
    sid       = "CountAuthorsSnaps"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.snaps.arn}/index/${local.table.author_index}"]
  }

  # snap_this (shared/app/schedule-message.ts, handed to the poster): is the message already a
  # snap? Its record is found by team, channel and ts.
  statement {
    sid       = "FindScheduledMessages"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.snaps.arn}/index/${local.table.message_index}"]
  }

  statement {
    sid       = "OpenSealedMessages"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.message_key_context.purpose]
    }
  }

  # A modal's binding, sealed by controls when it opened the view (kms.tf).
  statement {
    sid       = "OpenViewBindings"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.view_key_context.purpose]
    }
  }

  statement {
    sid       = "ReportFailedEvents"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.poster_failures.arn]
  }
}

module "poster" {
  source = "./modules/function"

  name               = "${var.name_prefix}-poster"
  description        = "snap: post each snap once, record it, hand short snaps to a sweeper worker"
  source_dir         = "${local.dist}/poster"
  policy_json        = data.aws_iam_policy_document.poster.json
  memory_size        = 256
  timeout            = local.poster_timeout
  log_retention_days = var.log_retention_days

  reserved_concurrency = local.reserved_concurrency.poster

  environment = local.poster_environment
}

# The poster bundle's configuration, shared by the controls function (the same bundle, controls.tf).
locals {
  poster_environment = {
    SNAP_TABLE_NAME            = aws_dynamodb_table.snaps.name
    SNAP_DUE_SHARDS            = tostring(var.due_shards)
    SNAP_SWEEP_WORKERS         = tostring(var.sweep_workers)
    SNAP_SWEEPER_FUNCTION_NAME = local.sweeper_function_name
    SNAP_REVEAL_TABLE_NAME     = aws_dynamodb_table.reveal_keys.name
    SLACK_BOT_TOKEN_CIPHERTEXT = local.one_workspace ? aws_kms_ciphertext.bot_token[0].ciphertext_blob : null
    # Users' tokens (and, distributed, bot tokens), and the workspace's settings, are read there
    # (installations.tf, settings.tf).
    SNAP_INSTALLATIONS_TABLE_NAME = aws_dynamodb_table.installations.name
    SNAP_SWEEP_PERIOD_SECONDS     = tostring(local.sweep_period_seconds)
    SNAP_ALLOW_BROADCASTS         = tostring(var.allow_broadcast_mentions)
    SNAP_LIMIT_USER_PER_MINUTE    = tostring(var.snaps_per_user_per_minute)
    SNAP_LIMIT_TEAM_PER_MINUTE    = tostring(var.snaps_per_workspace_per_minute)
    SNAP_LIMIT_USER_PENDING       = tostring(var.pending_snaps_per_user)
    SNAP_POSTERS_PER_WORKSPACE    = tostring(var.posters_per_workspace)
    SNAP_POSTERS_PER_ORG          = tostring(var.posters_per_org)
    SLACK_RESPONSE_URL_PREFIX     = "https://hooks.slack.com/"
    # The links that add snap to a workspace or let it post as someone (install.tf).
    SNAP_PUBLIC_URL = local.install_enabled ? aws_apigatewayv2_api.slack.api_endpoint : null
    # The modals' delay field: starts at the default, described within the maximum (as ack's).
    SNAP_DEFAULT_DELAY_SECONDS = tostring(var.default_delay_seconds)
    SNAP_MAX_DELAY_SECONDS     = tostring(var.max_delay_seconds)
    # The key under which controls seals a modal's binding (kms.tf: the poster role cannot) and
    # makes reveals' own keys (purpose=reveal: controls alone, reveal.tf).
    SNAP_KMS_KEY_ID = aws_kms_key.snap.arn
  }
}

resource "aws_lambda_function_event_invoke_config" "poster" {
  function_name = module.poster.name

  # A snap delivered much later than it was typed is no longer wanted; two retries cover
  # passing failures, and the idempotent claim makes a retry after a post harmless.
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.poster_failures.arn
    }
  }
}
