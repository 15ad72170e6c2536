# A workspace's (or org's) settings — its policy and its people's own default delays — and the
# admins' activity counts (shared/adapters/settings-store.ts, activity-store.ts). Settings live
# beside the installations, in their table (installations.tf; policy#<key>, no TTL, gone at
# uninstall); activity counts in the snap table (act#<key>#<day>, with the TTL attribute: a week
# after their day). Who may touch them:
#   poster, controls, sweeper  read settings (GetItem, by key) and add to activity counts;
#   controls                   also writes settings (an admin's change, a person's default) and
#                              reads activity counts (App Home);
#   install                    deletes both at uninstall (install.tf).
locals {
  settings_keys = ["policy#*"]
  activity_keys = ["act#*"]
}

# What poster, controls and sweeper all do.
data "aws_iam_policy_document" "read_settings_count_activity" {
  statement {
    sid       = "ReadSettings"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.installations.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.settings_keys
    }
  }

  statement {
    sid       = "CountActivity"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.activity_keys
    }
  }
}

data "aws_iam_policy_document" "change_settings" {
  statement {
    sid       = "ChangeSettings"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.installations.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.settings_keys
    }
  }

  statement {
    sid       = "ReadActivity"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.activity_keys
    }
  }
}
