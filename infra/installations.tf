# The installation store: each workspace's (or org's) bot installation and each consenting user's
# token, only as KMS ciphertext (shared/adapters/installation-store.ts), and each workspace's
# settings — its policy and its people's default delays (settings.tf) — in a table of their own
# (SNAP_INSTALLATIONS_TABLE_NAME). In every mode: one workspace keeps no installation here unless
# slack_client_id lets users allow snap to post as them, but its settings live here all the same,
# so that one table holds what goes with an installation whatever the mode (an empty table costs
# nothing on demand).
#
# Apart from the snaps because of the snap table's stream: a stream record of an installation
# item carries its old image — a sealed token — for 24 hours, readable by whoever may read the
# stream (the reaper's role), and nothing of the settings needs to pass there either. This table
# has no stream, no TTL and no index: everything in it is reached by key, and an item stays
# exactly until install (at uninstall), /snap revoke or a function that met a dead token deletes
# it.
resource "aws_dynamodb_table" "installations" {
  name         = "${var.name_prefix}-installations"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = local.table.partition_key

  attribute {
    name = local.table.partition_key
    type = "S"
  }

  stream_enabled = false

  # Point-in-time recovery, 7 days, as the snap table: without it, a table deleted or overwritten
  # by mistake would make every workspace add snap again and every user allow it again. What a
  # backup keeps of deleted items is sealed tokens Slack no longer honours (uninstalled, revoked,
  # given back with auth.revoke before deletion, or found dead) — docs/privacy.md.
  point_in_time_recovery {
    enabled                 = true
    recovery_period_in_days = 7
  }

  # The AWS-managed key (aws/dynamodb) at rest; the tokens in it are sealed under snap's own key
  # besides, and opening them takes kms:Decrypt under purpose=slack-token (tokens.tf).
  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = false
}
