# reaper: the safety net. Only TTL deletions reach it (the filter below; the code checks again).
data "aws_iam_policy_document" "reaper" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.decrypt_bot_token[*].json,
    data.aws_iam_policy_document.read_stored_tokens[*].json,
    [data.aws_iam_policy_document.reveal_burn.json],
    data.aws_iam_policy_document.delete_user_tokens[*].json,
    data.aws_iam_policy_document.forget_dead_bot_tokens[*].json,
  )

  statement {
    sid       = "ReadStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = [aws_dynamodb_table.snaps.stream_arn]
  }

  statement {
    sid       = "ListStreams"
    actions   = ["dynamodb:ListStreams"]
    resources = ["${aws_dynamodb_table.snaps.arn}/stream/*"]
  }

  # A record whose message Slack cannot delete yet (rate limits, an outage) goes back into the
  # table for the sweeper (conditional PutItem), instead of failing its batch until it is lost.
  statement {
    sid       = "PutBackSnaps"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.snap_keys
    }
  }

  statement {
    sid       = "ReportFailedBatches"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.reaper_failures.arn]
  }
}

module "reaper" {
  source = "./modules/function"

  name               = "${var.name_prefix}-reaper"
  description        = "snap: delete messages whose records DynamoDB TTL removed"
  source_dir         = "${local.dist}/reaper"
  policy_json        = data.aws_iam_policy_document.reaper.json
  memory_size        = 256
  timeout            = 60
  log_retention_days = var.log_retention_days

  reserved_concurrency = local.reserved_concurrency.reaper

  environment = {
    SNAP_TABLE_NAME            = aws_dynamodb_table.snaps.name
    SNAP_REVEAL_TABLE_NAME     = aws_dynamodb_table.reveal_keys.name
    SLACK_BOT_TOKEN_CIPHERTEXT = local.one_workspace ? aws_kms_ciphertext.bot_token[0].ciphertext_blob : null
    # Users' tokens (and, distributed, bot tokens) are read there (installations.tf).
    SNAP_INSTALLATIONS_TABLE_NAME = local.tokens_in_store ? aws_dynamodb_table.installations.name : null
    # A record put back goes to its workspace's shard.
    SNAP_DUE_SHARDS = tostring(var.due_shards)
  }
}

resource "aws_lambda_event_source_mapping" "reaper" {
  event_source_arn  = aws_dynamodb_table.snaps.stream_arn
  function_name     = module.reaper.arn
  starting_position = "LATEST"
  batch_size        = 25

  function_response_types            = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = 10
  maximum_record_age_in_seconds      = 21600
  maximum_batching_window_in_seconds = 1

  filter_criteria {
    filter {
      pattern = file("${path.module}/reaper-filter.json")
    }
  }

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.reaper_failures.arn
    }
  }

  depends_on = [module.reaper]
}
