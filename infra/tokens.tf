# Where poster, sweeper and reaper find the Slack tokens they speak with.
#   One workspace (slack_bot_token given): the bot token, as KMS ciphertext in their
#   configuration (kms.tf), for every bot call.
#   Distributed (slack_bot_token null): each workspace's (or Enterprise Grid org's) bot token from
#   the installation store that install fills (install.tf); install is then required.
# In both, a user who let snap post as them has their own token in the store, which the deleters
# read to delete what it posted, and the poster to post and, for /snap revoke, to delete. They
# read installation items only (`inst#…`, in the installations' table), by key, and open Slack
# tokens only (purpose=slack-token).
locals {
  one_workspace = var.slack_bot_token != null
  # Tokens can be in the store only where install puts them.
  tokens_in_store = local.install_enabled

  # Key prefix of installation items (shared/adapters/installation-store.ts).
  stored_token_keys = ["inst#*"]
  # User token items only: inst#<workspace or org>#<user>, never the installation item inst#<key>.
  user_token_keys = ["inst#*#*"]
  # On Grid, each user's index of the keys they granted a token under: grants#<org>#<user>.
  grants_keys = ["grants#*"]

  stored_token_key_grants = {
    DeletersOpenStoredTokens = {
      principals = [module.poster.role_arn, module.controls.role_arn, module.sweeper.role_arn, module.reaper.role_arn]
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
    resources = [aws_dynamodb_table.installations.arn]
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

# User token items only (inst#<key>#<user>), and only DeleteItem: the controls function's /snap
# revoke deletes the author's own; and every function that speaks with users' tokens (poster,
# controls, sweeper, reaper) deletes one Slack calls dead the moment it meets it — the
# tokens_revoked event may never come (lost, or refused by a flooded route), and a dead token is
# never kept to be retried. The code deletes only while the item still holds the very ciphertext
# found dead (a newer grant stays). The workspace's installation item, with its list of users,
# stays install's: no function that opens untrusted message text can uninstall a workspace or
# drop other users' tokens by rewriting it.
data "aws_iam_policy_document" "delete_user_tokens" {
  count = local.tokens_in_store ? 1 : 0

  statement {
    sid       = "DeleteUserTokens"
    actions   = ["dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.installations.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.user_token_keys
    }
  }

  # A deleted user token's key leaves its user's index of grants (Grid), which goes once empty.
  statement {
    sid       = "UnlistUserGrants"
    actions   = ["dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.installations.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.grants_keys
    }
  }
}

# The controls function only: /snap revoke on Grid reads the author's index of grants, to find
# every token they granted in the org from whichever workspace they run it.
data "aws_iam_policy_document" "read_user_grants" {
  count = local.tokens_in_store ? 1 : 0

  statement {
    sid       = "ReadUserGrants"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.installations.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.grants_keys
    }
  }
}

# Distributed mode only, where bot tokens are in the store: a bot token Slack calls dead (snap
# removed from the workspace, app_uninstalled not received) is let go by whichever function met
# it — its attributes removed from the workspace item, or the whole item when it lists no user.
# Workspace items only (inst#<key>, never inst#<key>#<user>): the StringNotLike below. In
# one-workspace mode the bot token is configuration, which no function can change.
data "aws_iam_policy_document" "forget_dead_bot_tokens" {
  count = local.one_workspace ? 0 : 1

  statement {
    sid       = "ForgetDeadBotTokens"
    actions   = ["dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.installations.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.stored_token_keys
    }
    condition {
      test     = "ForAllValues:StringNotLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.user_token_keys
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
