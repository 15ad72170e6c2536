# sweeper: the precise path. Every period, it deletes each snap due in its window at its due
# time, reading only the sparse due-time index.
data "aws_iam_policy_document" "sweeper" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.decrypt_bot_token[*].json,
    data.aws_iam_policy_document.read_stored_tokens[*].json,
    [data.aws_iam_policy_document.reveal_burn.json],
    data.aws_iam_policy_document.delete_user_tokens[*].json,
    data.aws_iam_policy_document.forget_dead_bot_tokens[*].json,
    [data.aws_iam_policy_document.read_settings.json, data.aws_iam_policy_document.count_activity.json],
  )

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

  # A refused lease: is the snap gone, or held, and until when?
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

}

# 512 MB: at 256 MB a burst of a thousand deletions comes close to 60 % of it (V8 sized by Lambda
# for that memory); 512 MB keeps it near a third and doubles the CPU that bursts of due snaps
# need, for under a cent more a month idle (docs/performance.md#memory, npm run bench -- load).
module "sweeper" {
  source = "./modules/function"

  name               = "${var.name_prefix}-sweeper"
  description        = "snap: delete every snap at its due time (runs every ${var.sweep_period_minutes} min)"
  source_dir         = "${local.dist}/sweeper"
  policy_json        = data.aws_iam_policy_document.sweeper.json
  memory_size        = 512
  timeout            = local.sweeper_timeout
  log_retention_days = var.log_retention_days

  reserved_concurrency = local.reserved_concurrency.sweeper

  environment = {
    SNAP_TABLE_NAME            = aws_dynamodb_table.snaps.name
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
  description         = "Run the snap sweeper every ${var.sweep_period_minutes} minute(s)"
  schedule_expression = var.sweep_period_minutes == 1 ? "cron(* * * * ? *)" : "cron(0/${var.sweep_period_minutes} * * * ? *)"
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

# A failed sweep is not retried: the next tick's window includes every overdue snap anyway.
resource "aws_lambda_function_event_invoke_config" "sweeper" {
  function_name                = module.sweeper.name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}
