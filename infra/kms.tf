# One customer-managed key: it encrypts the two Slack secrets (as ciphertext in the functions'
# configuration), the data keys that seal message text on its way from ack to poster, and each
# reveal's own key (reveal.tf).
resource "aws_kms_key" "snap" {
  description             = "${var.name_prefix}: Slack secrets and message sealing"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  lifecycle {
    # One workspace needs its bot token; distributed mode needs Add to Slack to get any token.
    precondition {
      condition     = var.slack_bot_token != null || var.slack_client_id != null
      error_message = "Give slack_bot_token (one workspace), slack_client_id and slack_client_secret (distributed: any workspace through Add to Slack), or both."
    }
  }
}

resource "aws_kms_alias" "snap" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.snap.key_id
}

# The ciphertexts are made under the explicit key policy (the deployer's Encrypt grant below),
# so the first apply proves that grant instead of riding on the key's default policy.
resource "aws_kms_ciphertext" "signing_secret" {
  key_id    = aws_kms_key.snap.key_id
  plaintext = var.slack_signing_secret
  context   = local.signing_secret_context

  depends_on = [aws_kms_key_policy.snap]
}

# One-workspace mode only (tokens.tf): distributed mode has no bot token of its own.
resource "aws_kms_ciphertext" "bot_token" {
  count = local.one_workspace ? 1 : 0

  key_id    = aws_kms_key.snap.key_id
  plaintext = var.slack_bot_token
  context   = local.bot_token_context

  depends_on = [aws_kms_key_policy.snap]

  lifecycle {
    # With Add to Slack deployed too (for users' own tokens), any other workspace that adds the app
    # (public distribution) would have its snaps posted with this one workspace's bot token: the
    # allow-list must keep them out. A precondition, not a check: it stops the apply.
    precondition {
      condition     = !local.install_enabled || length(var.allowed_team_ids) > 0
      error_message = "With slack_bot_token and slack_client_id both set, set allowed_team_ids to your workspace: commands from any other workspace that installs the app would be posted with your workspace's bot token. (Or leave slack_bot_token out for distributed mode.)"
    }
  }
}

# Reading the bot token: poster, sweeper and reaper share this statement, limited to the
# token's own encryption context. One-workspace mode only.
data "aws_iam_policy_document" "decrypt_bot_token" {
  count = local.one_workspace ? 1 : 0

  statement {
    sid       = "DecryptBotToken"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:secret"
      values   = [local.bot_token_context.secret]
    }
  }
}

# The role (or user) running Terraform, not its session: an assumed role's session ARN changes
# from one apply to the next, the role it was issued for does not.
data "aws_iam_session_context" "deployer" {
  arn = data.aws_caller_identity.current.arn
}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"

  # Every use of the key's contents, as data: who, which actions, and the encryption context the
  # request must carry (every key listed must match; other context keys are free, so a token
  # bound to its workspace and user still matches `purpose`). A request without that context
  # matches no grant, so nobody decrypts anything by holding `kms:Decrypt` on `*`.
  # The contexts are the ones shared/adapters/kms.ts passes; tests/infra holds each role's grants
  # to what its code uses. A new function's use of the key is one more entry here.
  # Grants that exist in one mode only join through the key document's source_policy_documents:
  # the bot token's (below) with a bot token, install's for Add to Slack (install.tf) and the
  # stored tokens' (tokens.tf) with a client id.
  key_grants = {
    AckReadsSigningSecret = {
      principals = [module.ack.role_arn]
      actions    = ["kms:Decrypt"]
      context    = local.signing_secret_context
    }
    AckSealsMessages = {
      principals = [module.ack.role_arn]
      actions    = ["kms:GenerateDataKey"]
      context    = local.message_key_context
    }
    # install verifies Slack's events in every mode, and hands App Home to controls sealed.
    InstallReadsSigningSecret = {
      principals = [module.install.role_arn]
      actions    = ["kms:Decrypt"]
      context    = local.signing_secret_context
    }
    InstallSealsHomeEvents = {
      principals = [module.install.role_arn]
      actions    = ["kms:GenerateDataKey"]
      context    = local.message_key_context
    }
    PosterOpensMessages = {
      principals = [module.poster.role_arn, module.controls.role_arn]
      actions    = ["kms:Decrypt"]
      context    = local.message_key_context
    }
    # Reveal once (reveal.tf): each reveal's own key is made and opened by the controls function
    # alone; the poster only moves the sealed secret, and burning needs no key at all.
    ControlsMakesRevealKeys = {
      principals = [module.controls.role_arn]
      actions    = ["kms:GenerateDataKey"]
      context    = local.reveal_key_context
    }
    ControlsOpensRevealKeys = {
      principals = [module.controls.role_arn]
      actions    = ["kms:Decrypt"]
      context    = local.reveal_key_context
    }
    # A modal's binding (which message snap_this deletes, which thread snap_reply posts in) is
    # made only where the author was checked, and opened only where it is acted on: ack, which
    # reads every request from the internet, can do neither.
    ControlsSealsViews = {
      principals = [module.controls.role_arn]
      actions    = ["kms:GenerateDataKey"]
      context    = local.view_key_context
    }
    PosterOpensViews = {
      principals = [module.poster.role_arn]
      actions    = ["kms:Decrypt"]
      context    = local.view_key_context
    }
    # aws_kms_ciphertext above. Encrypt only: whoever deploys can replace a secret, not read one.
    DeployerEncryptsSigningSecret = {
      principals = [data.aws_iam_session_context.deployer.issuer_arn]
      actions    = ["kms:Encrypt"]
      context    = local.signing_secret_context
    }
  }

  # One-workspace mode: the bot token in the deleters' configuration.
  bot_token_key_grants = {
    DeletersReadBotToken = {
      principals = [module.poster.role_arn, module.controls.role_arn, module.sweeper.role_arn, module.reaper.role_arn]
      actions    = ["kms:Decrypt"]
      context    = local.bot_token_context
    }
    DeployerEncryptsBotToken = {
      principals = [data.aws_iam_session_context.deployer.issuer_arn]
      actions    = ["kms:Encrypt"]
      context    = local.bot_token_context
    }
  }

  # The account (through IAM: its administrators) runs the key but never uses it: no Encrypt,
  # Decrypt, ReEncrypt or GenerateDataKey, and no CreateGrant (a grant would hand out Decrypt
  # without the policy showing it). PutKeyPolicy stays, so nobody is ever locked out — changing
  # who may decrypt takes a policy change, which CloudTrail records.
  key_admin_actions = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
  ]
}

# Joins the key policy only with a bot token (one-workspace mode).
data "aws_iam_policy_document" "bot_token_key" {
  count = local.one_workspace ? 1 : 0

  dynamic "statement" {
    for_each = local.bot_token_key_grants
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

# In a key policy "*" means this key; the policy is its own resource because it names the
# functions' roles, whose policies name the key.
data "aws_iam_policy_document" "key" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.install_key[*].json,
    data.aws_iam_policy_document.bot_token_key[*].json,
    data.aws_iam_policy_document.stored_token_key[*].json,
  )

  statement {
    sid       = "AccountAdministersKeyOnly"
    actions   = local.key_admin_actions
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.account_root]
    }
  }

  dynamic "statement" {
    for_each = local.key_grants
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

resource "aws_kms_key_policy" "snap" {
  key_id = aws_kms_key.snap.id
  policy = data.aws_iam_policy_document.key.json
}
