# controls: the poster's bundle (dist/poster) deployed a second time, with capacity of its own.
# ack hands it everything that is not posting a snap — an author's list, cancel, Delete now,
# revoke, the message shortcut, a click on Reveal, and (waiting for it) making a reveal's key —
# so those answer within seconds whatever the posting traffic, even while one workspace floods
# the poster. Same code, a different role: it reads and settles snap records but never posts,
# only it can delete a user's own token item (/snap revoke), and only it can make or open a
# reveal's key (reveal.tf).
data "aws_iam_policy_document" "controls" {
  source_policy_documents = concat(
    data.aws_iam_policy_document.decrypt_bot_token[*].json,
    data.aws_iam_policy_document.read_stored_tokens[*].json,
    data.aws_iam_policy_document.revoke_user_tokens[*].json,
    [data.aws_iam_policy_document.reveal_open.json],
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

  statement {
    sid       = "ReportFailedEvents"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.controls_failures.arn]
  }
}

module "controls" {
  source = "./modules/function"

  name               = "${var.name_prefix}-controls"
  description        = "snap: an author's controls over their snaps (list, cancel, Delete now, revoke), apart from posting"
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
