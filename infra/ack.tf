# ack: the only function reachable from the internet (through the API). It verifies Slack's
# signature, answers within 3 s and invokes the poster (snaps, the text sealed) or the controls
# function (everything else) asynchronously.
data "aws_iam_policy_document" "ack" {
  statement {
    sid       = "InvokePosterAndControls"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.poster.arn, module.controls.arn]
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

  statement {
    sid       = "SealMessages"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.message_key_context.purpose]
    }
  }
}

module "ack" {
  source = "./modules/function"

  name               = "${var.name_prefix}-ack"
  description        = "snap: verify Slack slash commands, answer within 3 s, hand off to the poster"
  source_dir         = "${local.dist}/ack"
  policy_json        = data.aws_iam_policy_document.ack.json
  memory_size        = 512
  timeout            = 10
  log_retention_days = var.log_retention_days

  reserved_concurrency = local.reserved_concurrency.ack

  environment = {
    POSTER_FUNCTION_NAME            = module.poster.name
    CONTROLS_FUNCTION_NAME          = module.controls.name
    SNAP_KMS_KEY_ID                 = aws_kms_key.snap.arn
    SLACK_SIGNING_SECRET_CIPHERTEXT = aws_kms_ciphertext.signing_secret.ciphertext_blob
    SNAP_DEFAULT_DELAY_SECONDS      = tostring(var.default_delay_seconds)
    SNAP_MAX_DELAY_SECONDS          = tostring(var.max_delay_seconds)
    ALLOWED_TEAM_IDS                = join(",", var.allowed_team_ids)
  }
}
