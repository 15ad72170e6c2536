# sweeper: the precise path. One function, two roles. On its schedule it dispatches: for each
# group of due-index shards with snaps due in the tick's window, it makes sure a worker is on
# watch (a conditional write on the group's watch item), invoking one asynchronously when none
# is. A worker (the same function, invoked with a worker event by the dispatcher or by the
# poster) deletes its group's snaps at their due times. One function keeps one warm pool: the
# schedule's short runs keep an environment ready for the next worker a poster starts.
data "aws_iam_policy_document" "sweeper" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.decrypt_bot_token[*].json,
    data.aws_iam_policy_document.read_stored_tokens[*].json,
    [data.aws_iam_policy_document.reveal_burn.json],
    data.aws_iam_policy_document.delete_user_tokens[*].json,
    data.aws_iam_policy_document.forget_dead_bot_tokens[*].json,
    [data.aws_iam_policy_document.read_settings_count_activity.json],
  )

  # The dispatcher's COUNT per shard, and a worker's reads of its shards.
  statement {
    sid       = "FindDueSnaps"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.snaps.arn}/index/${local.table.due_index}"]
  }

  # A deleted snap's record is replaced by its tombstone (PutItem), never deleted.
  statement {
    sid       = "LeaseAndBurySnaps"
    actions   = ["dynamodb:UpdateItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.snap_keys
    }
  }

  # A refused lease: is the snap gone, or held, and until when? And the snaps a poster handed
  # over, read from the table (the index trails it).
  statement {
    sid       = "ReadHeldSnaps"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.snap_keys
    }
  }

  # The groups' watch items: the dispatcher hands work over or claims; a worker renews, reads,
  # takes what was handed, and releases.
  statement {
    sid       = "KeepWatch"
    actions   = ["dynamodb:UpdateItem", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.watch_keys
    }
  }

  # The dispatcher starts workers: invocations of this same function.
  statement {
    sid       = "StartWorkers"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.sweeper_function_arn]
  }
}

# 512 MB: at 256 MB a burst of a thousand deletions comes close to 60 % of it (V8 sized by Lambda
# for that memory); 512 MB keeps it near a third and doubles the CPU that bursts of due snaps
# need, for under a cent more a month idle (docs/performance.md#memory, npm run bench -- load).
module "sweeper" {
  source = "./modules/function"

  name               = local.sweeper_function_name
  description        = "snap: dispatch every ${var.sweep_period_minutes} min, and delete every snap at its due time (${var.sweep_workers} worker(s) at most)"
  source_dir         = "${local.dist}/sweeper"
  policy_json        = data.aws_iam_policy_document.sweeper.json
  memory_size        = 512
  timeout            = local.sweeper_timeout
  log_retention_days = var.log_retention_days

  reserved_concurrency = local.reserved_concurrency.sweeper

  environment = {
    SNAP_TABLE_NAME            = aws_dynamodb_table.snaps.name
    SNAP_DUE_SHARDS            = tostring(var.due_shards)
    SNAP_SWEEP_WORKERS         = tostring(var.sweep_workers)
    SNAP_SWEEPER_FUNCTION_NAME = local.sweeper_function_name
    SNAP_REVEAL_TABLE_NAME     = aws_dynamodb_table.reveal_keys.name
    SLACK_BOT_TOKEN_CIPHERTEXT = local.one_workspace ? aws_kms_ciphertext.bot_token[0].ciphertext_blob : null
    # Users' tokens (and, distributed, bot tokens) are read there (installations.tf).
    SNAP_INSTALLATIONS_TABLE_NAME = aws_dynamodb_table.installations.name
    SNAP_SWEEP_PERIOD_SECONDS     = tostring(local.sweep_period_seconds)
  }
}

# A cron on whole minutes (not rate()), so each run's scheduled `time` is the tick it serves.
resource "aws_cloudwatch_event_rule" "sweep" {
  name                = "${var.name_prefix}-sweep"
  description         = "Run the snap sweeper's dispatcher every ${var.sweep_period_minutes} minute(s)"
  schedule_expression = var.sweep_period_minutes == 1 ? "cron(* * * * ? *)" : "cron(0/${var.sweep_period_minutes} * * * ? *)"

  lifecycle {
    precondition {
      condition     = var.due_shards % var.sweep_workers == 0
      error_message = "sweep_workers must divide due_shards: each worker serves due_shards / sweep_workers shards."
    }
    precondition {
      condition     = local.reserved_concurrency.sweeper == -1 || local.reserved_concurrency.sweeper >= var.sweep_workers + 1
      error_message = "reserved_concurrency.sweeper must leave room for one worker per group (sweep_workers) and the dispatcher; 2 × sweep_workers + 2 (its default) also lets a worker finish while its successor starts."
    }
  }
}

resource "aws_cloudwatch_event_target" "sweep" {
  rule = aws_cloudwatch_event_rule.sweep.name
  arn  = module.sweeper.arn

  retry_policy {
    maximum_retry_attempts       = 0
    maximum_event_age_in_seconds = 60
  }
}

resource "aws_lambda_permission" "sweep" {
  statement_id  = "AllowScheduleInvoke"
  action        = "lambda:InvokeFunction"
  function_name = module.sweeper.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.sweep.arn
}

# Neither a failed dispatch nor a failed worker is retried: the next tick's dispatch finds every
# overdue snap in the index, and the next poster that needs the group starts a worker. A worker
# event older than a minute is no use (its claim on the watch has lapsed).
resource "aws_lambda_function_event_invoke_config" "sweeper" {
  function_name                = module.sweeper.name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}
