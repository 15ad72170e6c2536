# Alarms for what must never go unnoticed: anything in a failure queue, a failure record that
# could not be queued, any function error, throttling where a concurrency cap bites, and a reaper
# falling behind its stream. E-mail when an address is given.
#
# The topic has no server-side encryption. CloudWatch cannot publish to a topic under the
# AWS-managed key (alias/aws/sns: its policy cannot be changed to let cloudwatch.amazonaws.com
# use it), so that setting silently dropped every alarm. A customer-managed key would work but
# costs another $1 a month and another key policy, to protect payloads that hold no secret:
# alarm names, metric names, thresholds and the account id. Delivery is over TLS either way.
resource "aws_sns_topic" "alarms" {
  name = "${var.name_prefix}-alarms"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

data "aws_region" "current" {}

locals {
  # Alarms of this account in this region (alarm actions must be in the topic's region).
  account_alarms = "arn:${data.aws_partition.current.partition}:cloudwatch:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:alarm:*"
}

# Only CloudWatch alarms of this account publish; nobody else does, not even with sns:Publish in
# IAM (test an alarm with `aws cloudwatch set-alarm-state`). The account administers the topic
# and its subscriptions.
data "aws_iam_policy_document" "alarm_topic" {
  statement {
    sid = "AccountAdministersTopic"
    actions = [
      "sns:AddPermission",
      "sns:DeleteTopic",
      "sns:GetTopicAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
      "sns:RemovePermission",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:TagResource",
      "sns:UntagResource",
    ]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  statement {
    sid       = "AlarmsOfThisAccountPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.account_alarms]
    }
  }

  statement {
    sid       = "NothingElsePublishes"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnNotLike"
      variable = "aws:SourceArn"
      values   = [local.account_alarms]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarm_topic.json
}

# What each alarm watches. Most fire on anything above zero in five minutes; the reaper's
# iterator age has its own threshold.
locals {
  alarms = {
    "poster-failures-queued" = {
      description = "snap: the poster failure queue holds events; a snap may not have been posted (kept one day)"
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      statistic   = "Maximum"
      dimensions  = { QueueName = aws_sqs_queue.poster_failures.name }
      threshold   = 0
    }
    "controls-failures-queued" = {
      description = "snap: the controls failure queue holds events; an author's request (list, cancel, Delete now, revoke) may not have been answered (kept one day)"
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      statistic   = "Maximum"
      dimensions  = { QueueName = aws_sqs_queue.controls_failures.name }
      threshold   = 0
    }
    "reaper-failures-queued" = {
      description = "snap: the reaper failure queue holds batches; a message may not have been deleted (kept one day)"
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      statistic   = "Maximum"
      dimensions  = { QueueName = aws_sqs_queue.reaper_failures.name }
      threshold   = 0
    }

    # A failure record Lambda could not put in its queue (permissions, queue policy, size) would
    # otherwise be a failure nobody sees.
    "poster-failures-not-queued" = {
      description = "snap: Lambda could not put a failed poster event in its queue; the failure is lost"
      namespace   = "AWS/Lambda"
      metric      = "DestinationDeliveryFailures"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.poster.name }
      threshold   = 0
    }
    "controls-failures-not-queued" = {
      description = "snap: Lambda could not put a failed controls event in its queue; the failure is lost"
      namespace   = "AWS/Lambda"
      metric      = "DestinationDeliveryFailures"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.controls.name }
      threshold   = 0
    }
    "reaper-failures-not-queued" = {
      description = "snap: Lambda could not put a failed reaper batch in its queue; the failure is lost"
      namespace   = "AWS/Lambda"
      metric      = "DestinationDeliveryFailures"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.reaper.name }
      threshold   = 0
    }

    "ack-errors" = {
      description = "snap: the ack function failed"
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.ack.name }
      threshold   = 0
    }
    "poster-errors" = {
      description = "snap: the poster function failed"
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.poster.name }
      threshold   = 0
    }
    "controls-errors" = {
      description = "snap: the controls function failed"
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.controls.name }
      threshold   = 0
    }
    "sweeper-errors" = {
      description = "snap: the sweeper function failed"
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.sweeper.name }
      threshold   = 0
    }
    "reaper-errors" = {
      description = "snap: the reaper function failed"
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.reaper.name }
      threshold   = 0
    }
    # An error here is a workspace that could not install, or an uninstall whose tokens were not
    # deleted.
    "install-errors" = {
      description = "snap: the install function failed"
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.install.name }
      threshold   = 0
    }

    # Where a concurrency cap (or the account's limit) turns load into a failure.
    "ack-throttles" = {
      description = "snap: ack invocations are throttled; Slack gets an error for those commands"
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.ack.name }
      threshold   = 0
    }
    "poster-throttles" = {
      description = "snap: poster invocations are throttled; events wait in Lambda's async queue and are retried, so snaps post late (after 10 minutes they go to the failure queue)"
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.poster.name }
      threshold   = 0
    }
    "controls-throttles" = {
      description = "snap: controls invocations are throttled; authors' list, cancel, Delete now and revoke answer late"
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.controls.name }
      threshold   = 0
    }
    "sweeper-throttles" = {
      description = "snap: sweeper invocations are throttled, so deletions run late"
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      statistic   = "Sum"
      dimensions  = { FunctionName = module.sweeper.name }
      threshold   = 0
    }

    # Normally seconds behind (1 s batching window; a batch takes at most the 60 s timeout). Five
    # minutes behind means TTL removals pile up unprocessed — messages whose records are gone
    # wait in Slack — long before the 6 h record age at which the mapping gives records up. A
    # reaper throttled below its shard count shows here too.
    "reaper-iterator-age" = {
      description = "snap: the reaper is more than 5 minutes behind its stream; TTL deletions are piling up"
      namespace   = "AWS/Lambda"
      metric      = "IteratorAge"
      statistic   = "Maximum"
      dimensions  = { FunctionName = module.reaper.name }
      threshold   = 300000
    }
  }

  functions = {
    ack      = module.ack.name
    poster   = module.poster.name
    controls = module.controls.name
    sweeper  = module.sweeper.name
    reaper   = module.reaper.name
    install  = module.install.name
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# install's alarm was a resource of its own, counted while install was deployed only with a client
# id; it is one of the map's now, under the same name (a chain: from either earlier address).
moved {
  from = aws_cloudwatch_metric_alarm.install_errors[0]
  to   = aws_cloudwatch_metric_alarm.install_errors
}

moved {
  from = aws_cloudwatch_metric_alarm.install_errors
  to   = aws_cloudwatch_metric_alarm.this["install-errors"]
}
