# One customer-managed key: it encrypts the two Slack secrets (as ciphertext in the functions'
# configuration) and the data keys that seal message text on its way from ack to poster.
resource "aws_kms_key" "snap" {
  description             = "${var.name_prefix}: Slack secrets and message sealing"
  enable_key_rotation     = true
  deletion_window_in_days = 7
}

resource "aws_kms_alias" "snap" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.snap.key_id
}

resource "aws_kms_ciphertext" "signing_secret" {
  key_id    = aws_kms_key.snap.key_id
  plaintext = var.slack_signing_secret
  context   = local.signing_secret_context
}

resource "aws_kms_ciphertext" "bot_token" {
  key_id    = aws_kms_key.snap.key_id
  plaintext = var.slack_bot_token
  context   = local.bot_token_context
}

# Reading the bot token: poster, sweeper and reaper share this statement, limited to the
# token's own encryption context.
data "aws_iam_policy_document" "decrypt_bot_token" {
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
