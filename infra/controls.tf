# controls: the poster's bundle (dist/poster) deployed a second time, with capacity of its own.
# ack hands it everything that is not posting a snap — an author's list, cancel, Delete now,
# revoke, the message shortcut, /snap policy and /snap default, what is done in App Home — and
# install hands it App Home opened — so those answer within seconds whatever the posting traffic,
# even while one workspace floods the poster. Same code, a narrower role: it reads and settles
# snap records but never posts (nor takes a poster slot); for /snap revoke it reads the author's
# index of grants on Grid and deletes their token items, and like every function that speaks with
# stored tokens it deletes one Slack calls dead (tokens.tf). It also takes a click on Reveal and
# (ack waiting for it) makes a reveal's key: only it can make or open one (reveal.tf), and it burns
# one when the last person it was for opens it, or when its author deletes it early.
data "aws_iam_policy_document" "controls" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.decrypt_bot_token[*].json,
    data.aws_iam_policy_document.read_stored_tokens[*].json,
    [data.aws_iam_policy_document.reveal_open.json],
    data.aws_iam_policy_document.delete_user_tokens[*].json,
    data.aws_iam_policy_document.read_user_grants[*].json,
    data.aws_iam_policy_document.forget_dead_bot_tokens[*].json,
    [
      data.aws_iam_policy_document.read_settings_count_activity.json,
      data.aws_iam_policy_document.change_settings.json,
    ],
  )

  # Claims a request (its tombstone), reads a snap by id, buries what it deleted.
  statement {
    sid       = "SettleAuthorRequests"
    actions   = ["dynamodb:PutItem", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.snaps.arn]
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = local.snap_keys
    }
  }

  statement {
    sid     = "FindAuthorsSnaps"
    actions = ["dynamodb:Query"]
    resources = [
      "${aws_dynamodb_table.snaps.arn}/index/${local.table.author_index}",
      "${aws_dynamodb_table.snaps.arn}/index/${local.table.message_index}",
    ]
  }

  # The request's response_url travels sealed like a message.
  statement {
    sid       = "OpenSealedRequests"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.message_key_context.purpose]
    }
  }

  # A modal's binding, sealed when controls opens the view (kms.tf: only the poster opens it).
  statement {
    sid       = "SealViewBindings"
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.snap.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:purpose"
      values   = [local.view_key_context.purpose]
    }
  }

  statement {
    sid       = "ReportFailedEvents"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.controls_failures.arn]
  }
}

module "controls" {
  source = "./modules/function"

  name               = "${var.name_prefix}-controls"
  description        = "snap: an author's controls (list, cancel, Delete now, revoke) and the shortcuts' modals, apart from posting"
  source_dir         = "${local.dist}/poster"
  policy_json        = data.aws_iam_policy_document.controls.json
  memory_size        = 256
  timeout            = local.controls_timeout
  log_retention_days = var.log_retention_days

  reserved_concurrency = local.reserved_concurrency.controls

  # The poster's configuration, the same bundle reading it (poster.tf).
  environment = local.poster_environment
}

resource "aws_lambda_function_event_invoke_config" "controls" {
  function_name = module.controls.name

  # Like the poster's: a request delivered much later is no longer wanted, and each request id
  # acts once, so a retry after a partial run is harmless.
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.controls_failures.arn
    }
  }
}
