# Where failures end up instead of vanishing: poster events that failed every retry, and stream
# batches the reaper could not finish. Neither holds message text (it is sealed in the first,
# never present in the second). Encrypted with SQS-managed keys.
resource "aws_sqs_queue" "poster_failures" {
  name                      = "${var.name_prefix}-poster-failures"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "reaper_failures" {
  name                      = "${var.name_prefix}-reaper-failures"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}
