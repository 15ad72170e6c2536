# The one table. Items are keyed by request id; posted items carry a shard and due time that put
# them in the sparse due-time index the sweeper reads, and author and message keys for the
# author's own controls. TTL is the safety net; its REMOVE events
# reach the reaper through the stream (old image: the reaper needs channel and ts).
resource "aws_dynamodb_table" "snaps" {
  name         = "${var.name_prefix}-snaps"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = local.table.partition_key

  attribute {
    name = local.table.partition_key
    type = "S"
  }

  attribute {
    name = local.table.due_index_hash
    type = "S"
  }

  attribute {
    name = local.table.due_index_range
    type = "N"
  }

  attribute {
    name = local.table.author_index_hash
    type = "S"
  }

  attribute {
    name = local.table.author_index_range
    type = "N"
  }

  attribute {
    name = local.table.message_index_hash
    type = "S"
  }

  # A user's live snaps, newest first (/snap list, /snap cancel); sparse.
  global_secondary_index {
    name               = local.table.author_index
    hash_key           = local.table.author_index_hash
    range_key          = local.table.author_index_range
    projection_type    = "INCLUDE"
    non_key_attributes = local.table.author_index_include
  }

  # The live snap behind a Slack message (the "Delete snap now" shortcut); sparse.
  global_secondary_index {
    name               = local.table.message_index
    hash_key           = local.table.message_index_hash
    projection_type    = "INCLUDE"
    non_key_attributes = local.table.message_index_include
  }

  global_secondary_index {
    name               = local.table.due_index
    hash_key           = local.table.due_index_hash
    range_key          = local.table.due_index_range
    projection_type    = "INCLUDE"
    non_key_attributes = local.table.due_index_include
  }

  ttl {
    attribute_name = local.table.ttl_attribute
    enabled        = true
  }

  stream_enabled   = true
  stream_view_type = "OLD_IMAGE"

  # Backups keep what the table held, deleted installations (sealed tokens) and snap coordinates
  # included: a week is enough to recover from a mistake, and no longer than that.
  point_in_time_recovery {
    enabled                 = true
    recovery_period_in_days = 7
  }

  # The AWS-managed key (aws/dynamodb): the table holds no message text or secret, and its key
  # policy lets the functions use the table and stream without KMS grants of their own.
  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = false
}
