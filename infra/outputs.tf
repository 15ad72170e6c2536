output "slash_command_url" {
  description = "Request URL for the /snap slash command (paste into the Slack app's Slash Commands page if you did not create the app from the rendered manifest)."
  value       = local.request_url
}

output "interactions_url" {
  description = "Interactivity Request URL (the Delete now buttons and the Delete snap now shortcut)."
  value       = local.interactions_url
}

output "slack_app_manifest" {
  description = "The Slack app manifest (YAML) with this deployment's request URL filled in."
  value       = local.manifest_yaml
}

output "slack_app_create_url" {
  description = "Open this link to create the Slack app from the rendered manifest in one click."
  value       = "https://api.slack.com/apps?new_app=1&manifest_json=${urlencode(local.manifest_json)}"
}

output "table_name" {
  description = "The DynamoDB table holding snap records (never message text)."
  value       = aws_dynamodb_table.snaps.name
}

output "installations_table_name" {
  description = "The DynamoDB table holding installations, users' tokens (sealed) and each workspace's settings, no stream."
  value       = aws_dynamodb_table.installations.name
}

output "function_names" {
  description = "The Lambda functions by role."
  value       = local.functions
}

output "poster_failures_queue_url" {
  description = "Queue of poster events that failed every retry (text sealed), kept one day; only the account root and failure_queue_reader_arns may receive from it."
  value       = aws_sqs_queue.poster_failures.url
}

output "controls_failures_queue_url" {
  description = "Queue of controls events (an author's requests, modals, App Home, Reveal clicks) that failed every retry, kept one day; only the account root and failure_queue_reader_arns may receive from it."
  value       = aws_sqs_queue.controls_failures.url
}

output "reaper_failures_queue_url" {
  description = "Queue of stream batches the reaper could not process (pointers into the stream), kept one day; only the account root and failure_queue_reader_arns may receive from it."
  value       = aws_sqs_queue.reaper_failures.url
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify; subscribe more endpoints to it if you like."
  value       = aws_sns_topic.alarms.arn
}

output "reserved_concurrency" {
  description = "Reserved concurrent executions per function as deployed (-1 = none)."
  value       = local.reserved_concurrency
}

output "install_url" {
  description = "Add to Slack: send people here to install snap in their workspace (append ?as=user to let snap post as you). Null without slack_client_id."
  value       = local.install_enabled ? "${aws_apigatewayv2_api.slack.api_endpoint}${local.install_path}" : null
}
