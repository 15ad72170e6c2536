# Where failures end up instead of vanishing: poster events that failed every retry, and stream
# batches the reaper could not finish. Neither holds message text (it is sealed in the first,
# never present in the second), but the first holds who wrote where (team, channel, user) and
# the second points at stream records that do. Encrypted with SQS-managed keys; kept one day,
# no longer than the stream keeps the records a reaper failure points at.
resource "aws_sqs_queue" "poster_failures" {
  name                      = "${var.name_prefix}-poster-failures"
  message_retention_seconds = local.failure_retention_seconds
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "controls_failures" {
  name                      = "${var.name_prefix}-controls-failures"
  message_retention_seconds = local.failure_retention_seconds
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "reaper_failures" {
  name                      = "${var.name_prefix}-reaper-failures"
  message_retention_seconds = local.failure_retention_seconds
  sqs_managed_sse_enabled   = true
}

locals {
  failure_retention_seconds = 86400

  # Each queue and the one function whose role sends to it (Lambda delivers an async invocation's
  # or a stream batch's failure record with the function's execution role).
  failure_queues = {
    poster   = { arn = aws_sqs_queue.poster_failures.arn, url = aws_sqs_queue.poster_failures.id, sender = module.poster.role_arn }
    controls = { arn = aws_sqs_queue.controls_failures.arn, url = aws_sqs_queue.controls_failures.id, sender = module.controls.role_arn }
    reaper   = { arn = aws_sqs_queue.reaper_failures.arn, url = aws_sqs_queue.reaper_failures.id, sender = module.reaper.role_arn }
  }

  # Who may look into the queues: the account's root user and the operators named in
  # var.failure_queue_reader_arns. Anyone else is denied even with sqs:* in IAM.
  failure_queue_readers = concat([local.account_root], var.failure_queue_reader_arns)
}

# Only the function sends; only the named readers receive, delete, purge or hide messages.
# Queue administration (attributes, this policy) is left to IAM, so an administrator can
# always fix the policy; the change is recorded in CloudTrail.
data "aws_iam_policy_document" "failure_queue" {
  for_each = local.failure_queues

  statement {
    sid       = "FunctionSendsFailures"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.arn]
    principals {
      type        = "AWS"
      identifiers = [each.value.sender]
    }
  }

  statement {
    sid       = "NobodyElseSends"
    effect    = "Deny"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnNotEquals"
      variable = "aws:PrincipalArn"
      values   = [each.value.sender]
    }
  }

  statement {
    sid       = "OnlyOperatorsRead"
    effect    = "Deny"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue", "sqs:ChangeMessageVisibility", "sqs:StartMessageMoveTask"]
    resources = [each.value.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnNotLike"
      variable = "aws:PrincipalArn"
      values   = local.failure_queue_readers
    }
  }
}

resource "aws_sqs_queue_policy" "failures" {
  for_each = local.failure_queues

  queue_url = each.value.url
  policy    = data.aws_iam_policy_document.failure_queue[each.key].json
}
