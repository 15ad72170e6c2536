# install: Slack's events about the app (App Home opened, uninstalled, tokens revoked) in every
# mode, and "Add to Slack" (OAuth v2) when the Slack app's client id is given, on the same HTTP API
# as ack. Installations and each workspace's settings live in a table of their own
# (installations.tf), OAuth states in the snap table (they expire by its TTL); tokens are stored
# only as KMS ciphertext bound to their workspace (and user) by the encryption context.
# `install_enabled` says Add to Slack is there (and so users' tokens in the store).
locals {
  install_enabled = var.slack_client_id != null

  landing_path        = "/"
  install_path        = "/slack/install"
  oauth_redirect_path = "/slack/oauth_redirect"
  events_path         = "/slack/events"
  install_routes = {
    landing  = "GET ${local.landing_path}"
    install  = "GET ${local.install_path}"
    redirect = "GET ${local.oauth_redirect_path}"
    events   = "POST ${local.events_path}"
  }
  # What install serves in this mode: Slack's events always (App Home needs them in one-workspace
  # mode too), the browser routes of Add to Slack only with a client id.
  install_routes_deployed = local.install_enabled ? local.install_routes : { events = local.install_routes.events }
  # The routes browsers call (all but Slack's events), which share the install throttle.
  browser_routes = { for name, route in local.install_routes : name => route if name != "events" }

  # Key prefixes of the items install keeps (shared/adapters/installation-store.ts,
  # settings-store.ts, activity-store.ts): in the installations' table the installations, users'
  # Grid grants and the settings it deletes at uninstall; in the snap table the OAuth flows and
  # the activity counts it deletes at uninstall.
  installation_keys = ["inst#*", "grants#*", "policy#*"]
  state_keys        = ["oauth#*"]

  # Encryption contexts (shared/adapters/kms.ts): the client secret, and every Slack token
  # (purpose=slack-token, plus team, kind and user, which vary per token).
  client_secret_context = { app = "snap", secret = "SLACK_CLIENT_SECRET" }
  token_context_purpose = "slack-token"

  install_role_arn = module.install.role_arn

  # install's uses of the KMS key for Add to Slack, in the key policy's shape (kms.tf,
  # local.key_grants holds the ones it needs in every mode).
  install_key_grants = {
    InstallReadsClientSecret = {
      principals = [local.install_role_arn]
      actions    = ["kms:Decrypt"]
      context    = local.client_secret_context
    }
    # Tokens are sealed here and never opened here.
    InstallSealsTokens = {
      principals = [local.install_role_arn]
      actions    = ["kms:Encrypt"]
      context    = { app = "snap", purpose = local.token_context_purpose }
    }
    DeployerEncryptsClientSecret = {
      principals = [data.aws_iam_session_context.deployer.issuer_arn]
      actions    = ["kms:Encrypt"]
      context    = local.client_secret_context
    }
  }
}

# Joins the key policy (kms.tf) only with Add to Slack (a client id); install's grants in every
# mode are in kms.tf's local.key_grants.
data "aws_iam_policy_document" "install_key" {
  count = local.install_enabled ? 1 : 0

  dynamic "statement" {
    for_each = local.install_key_grants
    content {
      sid       = statement.key
      actions   = statement.value.actions
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = statement.value.principals
      }
      dynamic "condition" {
        for_each = statement.value.context
        content {
          test     = "StringEquals"
          variable = "kms:EncryptionContext:${condition.key}"
          values   = [condition.value]
        }
      }
    }
  }
}

resource "aws_kms_ciphertext" "client_secret" {
  count = local.install_enabled ? 1 : 0

  key_id    = aws_kms_key.snap.key_id
  plaintext = var.slack_client_secret
  context   = local.client_secret_context

  depends_on = [aws_kms_key_policy.snap]

  lifecycle {
    precondition {
      condition     = var.slack_client_secret != null
      error_message = "slack_client_secret is required when slack_client_id is set."
    }
  }
}

# Add to Slack's part of install's rights: seal the tokens it stores, read the client secret.
data "aws_iam_policy_document" "install_oauth" {
  count = local.install_enabled ? 1 : 0

  # It seals tokens and never opens one.
  statement {
    sid       = "SealTokens"
    actions   = ["kms:Encrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.token_context_purpose]
    }
  }

  statement {
    sid       = "DecryptClientSecret"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:secret"
      values   = [local.client_secret_context.secret]
    }
  }
}

data "aws_iam_policy_document" "install" {
  source_policy_documents = data.aws_iam_policy_document.install_oauth[*].json

  # Installations, users' Grid grants and the workspace's settings, in their own table (what it
  # finds at an uninstall or a revocation, in every mode).
  statement {
    sid       = "StoreInstallations"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.installations.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.installation_keys
    }
  }

  # In the snap table, OAuth flows (saved, marked used, read back on a reload) and the activity
  # counts it deletes at uninstall, and nothing else: no snap record is within reach.
  statement {
    sid       = "KeepOAuthStates"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.state_keys
    }
  }

  statement {
    sid       = "ForgetActivity"
    actions   = ["dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.activity_keys
    }
  }

  statement {
    sid       = "DecryptSigningSecret"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:secret"
      values   = [local.signing_secret_context.secret]
    }
  }

  # app_home_opened is handed to the controls function, sealed like ack's hand-offs.
  statement {
    sid       = "HandHomeToControls"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.controls.arn]
  }

  statement {
    sid       = "SealHomeEvents"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.message_key_context.purpose]
    }
  }
}

module "install" {
  source = "./modules/function"

  name               = "${var.name_prefix}-install"
  description        = "snap: Slack's events (App Home, uninstall, revoked tokens) and Add to Slack (OAuth)"
  source_dir         = "${local.dist}/install"
  policy_json        = data.aws_iam_policy_document.install.json
  memory_size        = 256
  timeout            = 10
  log_retention_days = var.log_retention_days

  # The module leaves null variables out: without a client id, no Add to Slack settings at all.
  environment = {
    SLACK_CLIENT_ID                 = local.install_enabled ? var.slack_client_id : null
    SLACK_CLIENT_SECRET_CIPHERTEXT  = local.install_enabled ? aws_kms_ciphertext.client_secret[0].ciphertext_blob : null
    SLACK_SIGNING_SECRET_CIPHERTEXT = aws_kms_ciphertext.signing_secret.ciphertext_blob
    SNAP_KMS_KEY_ID                 = aws_kms_key.snap.arn
    SNAP_TABLE_NAME                 = aws_dynamodb_table.snaps.name
    SNAP_INSTALLATIONS_TABLE_NAME   = aws_dynamodb_table.installations.name
    SNAP_PUBLIC_URL                 = local.install_enabled ? aws_apigatewayv2_api.slack.api_endpoint : null
    ALLOWED_TEAM_IDS                = join(",", var.allowed_team_ids)
    CONTROLS_FUNCTION_NAME          = module.controls.name
    # One workspace: the bot token is configuration; with Add to Slack, a user may allow snap only
    # in that workspace (allowed_team_ids is then required, kms.tf).
    SNAP_ONE_WORKSPACE = local.one_workspace ? "true" : null
  }
}

resource "aws_apigatewayv2_integration" "install" {
  api_id                 = aws_apigatewayv2_api.slack.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.install.invoke_arn
  integration_method     = "POST"
  payload_format_version = "2.0"
  timeout_milliseconds   = 10000
}

resource "aws_apigatewayv2_route" "install" {
  for_each = local.install_routes_deployed

  api_id    = aws_apigatewayv2_api.slack.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.install.id}"
}

# One permission per route: API Gateway may invoke install for these and nothing else
# (source ARN: <api>/<stage>/<METHOD><path>).
resource "aws_lambda_permission" "install" {
  for_each = local.install_routes_deployed

  statement_id  = "AllowApiGatewayInvoke-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = module.install.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.slack.execution_arn}/*/${replace(each.value, " ", "")}"
}
