# Alarms for what must never go unnoticed: anything in a failure queue, any function error,
# sweeper throttling (a throttled sweep is a late deletion). E-mail when an address is given.
resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

# Every alarm fires on anything above zero in five minutes; they differ only in what they watch.
locals {
  alarms = merge(
    {
      for name, queue in {
        poster = aws_sqs_queue.poster_failures.name
        reaper = aws_sqs_queue.reaper_failures.name
        } : "${name}-failures-queued" => {
        description = "snap: the ${name} failure queue holds messages; a snap may not have been posted or deleted"
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        statistic   = "Maximum"
        dimensions  = { QueueName = queue }
      }
    },
    {
      for name, fn in local.functions : "${name}-errors" => {
        description = "snap: the ${name} function failed"
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        statistic   = "Sum"
        dimensions  = { FunctionName = fn }
      }
    },
    {
      "sweeper-throttles" = {
        description = "snap: sweeper invocations are throttled, so deletions run late"
        namespace   = "AWS/Lambda"
        metric      = "Throttles"
        statistic   = "Sum"
        dimensions  = { FunctionName = module.sweeper.name }
      }
    },
  )
  functions = merge(
    {
      ack     = module.ack.name
      poster  = module.poster.name
      sweeper = module.sweeper.name
      reaper  = module.reaper.name
    },
    local.install_enabled ? { install = module.install[0].name } : {},
  )
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
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
