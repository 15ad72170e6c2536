# The deletion engine failing to keep a group on watch: a worker that could not be started (an
# invoke refused or throttled before queueing), a watch item that could not be written or read.
# Nothing is lost — the next dispatch finds every snap in the index — but short snaps are then
# deleted up to a sweep period late until it passes. These metric filters count the lines that
# say so; one alarm fires on any.
locals {
  engine_fault_events = [
    "watch.summon_failed",
    "poster.watch_failed",
    "dispatch.group_failed",
    "sweep.watch_failed",
  ]
}

resource "aws_cloudwatch_log_metric_filter" "engine_faults" {
  for_each = {
    poster  = module.poster.name
    sweeper = module.sweeper.name
  }

  name           = "${var.name_prefix}-${each.key}-engine-faults"
  log_group_name = "/aws/lambda/${each.value}"
  pattern        = "{ ${join(" || ", [for e in local.engine_fault_events : "($.event = \"${e}\")"])} }"

  metric_transformation {
    name      = "EngineFaults"
    namespace = local.left_behind_namespace
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "engine_faults" {
  alarm_name          = "${var.name_prefix}-engine-faults"
  alarm_description   = "snap: a sweeper worker could not be started or a group's watch could not be kept; short snaps may be deleted up to a sweep period late until it passes (poster's and sweeper's logs: watch.summon_failed, dispatch.group_failed, sweep.watch_failed, poster.watch_failed)"
  namespace           = local.left_behind_namespace
  metric_name         = "EngineFaults"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
