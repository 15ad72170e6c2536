# The Slack app manifest from the repository, with the real API address in place of its
# placeholder: one source of truth for the command, scopes and settings.
locals {
  manifest_placeholder_base = "https://YOUR-API-ID.execute-api.YOUR-REGION.amazonaws.com"
  manifest_yaml             = replace(file("${path.module}/../slack/manifest.yaml"), local.manifest_placeholder_base, aws_apigatewayv2_api.slack.api_endpoint)
  manifest_json             = jsonencode(yamldecode(local.manifest_yaml))
}
