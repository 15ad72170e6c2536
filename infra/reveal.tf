# Reveal once: the one place a reveal's key is kept (shared/adapters/reveal-store.ts). Each item
# holds a reveal's private key only as KMS ciphertext (bound to the reveal, workspace and
# conversation), its public half and the secret sealed to it. Burning a reveal deletes its item;
# for that to leave no copy of the key anywhere, this table has what the snap table has not: no
# stream (no record of an item's old image), no point-in-time recovery and no backups (no
# restore brings a burned key back), refused by the resource policy below as well as left off.
# TTL is the net for a burn that every path missed. No index: lookups are by key.
resource "aws_dynamodb_table" "reveal_keys" {
  name         = "${var.name_prefix}-reveal-keys"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = local.reveal_table.partition_key

  attribute {
    name = local.reveal_table.partition_key
    type = "S"
  }

  ttl {
    attribute_name = local.reveal_table.ttl_attribute
    enabled        = true
  }

  # No stream_enabled and no point_in_time_recovery block: both stay off (tests/infra checks it).

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = false

  # An account-wide AWS Backup plan selects every table it is not told to skip: this tag lets it
  # skip this one (a selection condition StringNotEquals aws:ResourceTag/snap-backup = never), and
  # the resource policy refuses the backup job whether or not it does.
  tags = {
    snap-backup = "never"
  }
}

# Nobody — not the account's administrators, not AWS Backup acting for them — makes a copy of this
# table without first changing this policy (a change CloudTrail records): no on-demand or AWS
# Backup backup, no point-in-time recovery turned on, no export, no replica, no Kinesis stream.
data "aws_iam_policy_document" "reveal_keys_table" {
  statement {
    sid    = "NoCopiesOfRevealKeys"
    effect = "Deny"
    actions = [
      "dynamodb:CreateBackup",
      "dynamodb:StartAwsBackupJob",
      "dynamodb:UpdateContinuousBackups",
      "dynamodb:ExportTableToPointInTime",
      "dynamodb:CreateTableReplica",
      "dynamodb:EnableKinesisStreamingDestination",
      "dynamodb:UpdateKinesisStreamingDestination",
    ]
    resources = [aws_dynamodb_table.reveal_keys.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_dynamodb_resource_policy" "reveal_keys" {
  resource_arn = aws_dynamodb_table.reveal_keys.arn
  policy       = data.aws_iam_policy_document.reveal_keys_table.json
}

# What each function does with reveals' keys, on exact items (dynamodb:LeadingKeys):
#   poster     attaches a sealed secret to its key; burns a key whose card was not posted
#   controls   makes keys (ack waits for it), opens them for a click, burns them when opened
#   sweeper    burns a key at its reveal's due time, before the card is deleted
#   reaper     burns a key when TTL removed its reveal's record, before the card is deleted
# and with the KMS key: only the controls function, only under purpose=reveal (kms.tf).
data "aws_iam_policy_document" "reveal_attach" {
  statement {
    sid       = "AttachAndBurnRevealKeys"
    actions   = ["dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.reveal_keys.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.reveal_keys
    }
    # Writes that cannot ask for the item back: with ReturnValues ALL_OLD a burn would hand this
    # role the wrapped key and the sealed secret it deletes. The code passes none (NONE, the
    # default: absent is allowed). ReturnValuesOnConditionCheckFailure has no condition key (the
    # Service Authorization Reference lists none), so it cannot be held here: the code never
    # passes it, and these writes' conditions (attach) or none (burn) are what they are.
    condition {
      test     = "StringEqualsIfExists"
      variable = "dynamodb:ReturnValues"
      values   = ["NONE"]
    }
  }
}

data "aws_iam_policy_document" "reveal_open" {
  statement {
    sid       = "MakeOpenAndBurnRevealKeys"
    actions   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.reveal_keys.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.reveal_keys
    }
  }

  # Marks who opened a reveal (a conditional UpdateItem of its snap record).
  statement {
    sid       = "MarkRevealsOpened"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.snap_keys
    }
  }

  statement {
    sid       = "MakeAndOpenRevealKeysWithKms"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.reveal_key_context.purpose]
    }
  }
}

data "aws_iam_policy_document" "reveal_burn" {
  statement {
    sid       = "BurnRevealKeys"
    actions   = ["dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.reveal_keys.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.reveal_keys
    }
    # A burn that cannot ask for the item back, as in reveal_attach above.
    condition {
      test     = "StringEqualsIfExists"
      variable = "dynamodb:ReturnValues"
      values   = ["NONE"]
    }
  }
}
