# Where poster, sweeper and reaper find the Slack tokens they speak with.
#   One workspace (slack_bot_token given): the bot token, as KMS ciphertext in their
#   configuration (kms.tf), for every bot call.
#   Distributed (slack_bot_token null): each workspace's (or Enterprise Grid org's) bot token from
#   the installation store that install fills (install.tf); install is then required.
# In both, a user who let snap post as them has their own token in the store, which the deleters
# read to delete what it posted, and the poster to post and, for /snap revoke, to delete. They
# read installation items only (`inst#…`), by key, and open Slack tokens only (purpose=slack-token).
locals {
  one_workspace = var.slack_bot_token != null
  # Tokens can be in the store only where install puts them.
  tokens_in_store = local.install_enabled

  # Key prefix of installation items (shared/adapters/installation-store.ts).
  stored_token_keys = ["inst#*"]

  stored_token_key_grants = {
    DeletersOpenStoredTokens = {
      principals = [module.poster.role_arn, module.sweeper.role_arn, module.reaper.role_arn]
      actions    = ["kms:Decrypt"]
      context    = { app = "snap", purpose = local.token_context_purpose }
    }
  }
}

# poster, sweeper and reaper: GetItem of installation items, and opening what they hold.
data "aws_iam_policy_document" "read_stored_tokens" {
  count = local.tokens_in_store ? 1 : 0

  statement {
    sid       = "ReadStoredTokens"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.stored_token_keys
    }
  }

  statement {
    sid       = "OpenStoredTokens"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.token_context_purpose]
    }
  }
}

# The poster only: /snap revoke deletes the author's token and takes them off their workspace's
# list of users (or deletes that item when nothing is left in it).
data "aws_iam_policy_document" "revoke_user_tokens" {
  count = local.tokens_in_store ? 1 : 0

  statement {
    sid       = "RevokeUserTokens"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.stored_token_keys
    }
  }
}

# Joins the key policy (kms.tf) only when tokens can be in the store.
data "aws_iam_policy_document" "stored_token_key" {
  count = local.tokens_in_store ? 1 : 0

  dynamic "statement" {
    for_each = local.stored_token_key_grants
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

# One workspace with install deployed (for users' own tokens): the bot token in the configuration
# belongs to one workspace, and every command that reaches ack is posted with it. Any other
# workspace that adds the app (public distribution) would have its snaps posted with that token.
check "one_workspace_serves_its_own" {
  assert {
    condition     = !(local.one_workspace && local.install_enabled) || length(var.allowed_team_ids) > 0
    error_message = "With slack_bot_token and slack_client_id both set, set allowed_team_ids to your workspace: commands from any other workspace that installs the app would be posted with your workspace's bot token. (Or leave slack_bot_token out for distributed mode.)"
  }
}
