# Messages snap can no longer delete: a post it lost track of, a deletion Slack refused for good,
# a token that was taken away, a record given up a week past its due time. Each is a log line;
# these metric filters count them, and one alarm says when any message was left in Slack (the
# lines name team, channel and ts, so an operator can take it down by hand).
locals {
  left_behind_events = [
    "poster.lost_track",
    "snap.delete_given_up",
    "snap.token_gone",
    "reaper.delete_given_up",
    "reaper.token_gone",
    "reaper.delete_abandoned",
  ]
  left_behind_namespace = "snap/${var.name_prefix}"
}

resource "aws_cloudwatch_log_metric_filter" "left_behind" {
  for_each = {
    poster   = module.poster.name
    controls = module.controls.name
    sweeper  = module.sweeper.name
    reaper   = module.reaper.name
  }

  name           = "${var.name_prefix}-${each.key}-left-behind"
  log_group_name = "/aws/lambda/${each.value}"
  pattern        = "{ ${join(" || ", [for e in local.left_behind_events : "($.event = \"${e}\")"])} }"

  metric_transformation {
    name      = "MessagesLeftBehind"
    namespace = local.left_behind_namespace
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "left_behind" {
  alarm_name          = "${var.name_prefix}-messages-left-behind"
  alarm_description   = "snap: a message may be left in Slack with nothing to delete it; the poster's, sweeper's or reaper's log names team, channel and ts"
  namespace           = local.left_behind_namespace
  metric_name         = "MessagesLeftBehind"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
