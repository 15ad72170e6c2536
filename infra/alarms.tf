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

locals {
  failure_queues = {
    poster = aws_sqs_queue.poster_failures.name
    reaper = aws_sqs_queue.reaper_failures.name
  }
  functions = {
    ack     = module.ack.name
    poster  = module.poster.name
    sweeper = module.sweeper.name
    reaper  = module.reaper.name
  }
}

resource "aws_cloudwatch_metric_alarm" "failure_queue" {
  for_each = local.failure_queues

  alarm_name          = "${var.name_prefix}-${each.key}-failures-queued"
  alarm_description   = "snap: the ${each.key} failure queue holds messages; a snap may not have been posted or deleted"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = local.functions

  alarm_name          = "${var.name_prefix}-${each.key}-errors"
  alarm_description   = "snap: the ${each.key} function failed"
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "sweeper_throttles" {
  alarm_name          = "${var.name_prefix}-sweeper-throttles"
  alarm_description   = "snap: sweeper invocations are throttled, so deletions run late"
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = module.sweeper.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
