# The Slack app manifest from the repository, with the real request URL in place of its
# placeholder: one source of truth for the command, scopes and settings.
locals {
  manifest_placeholder_url = "https://YOUR-API-ID.execute-api.YOUR-REGION.amazonaws.com/slack/commands"
  manifest_yaml            = replace(file("${path.module}/../slack/manifest.yaml"), local.manifest_placeholder_url, local.request_url)
  manifest_json            = jsonencode(yamldecode(local.manifest_yaml))
}
