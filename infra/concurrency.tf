# Reserved concurrency: a cap on the poster (so a burst of posts cannot take the account's every
# execution) and a guaranteed share for ack, controls, sweeper and reaper, so such a burst neither
# times Slack out, nor keeps authors from their snaps, nor makes deletions late. The sweeper's
# follows the engine: one worker per group on watch, one finishing while its successor starts,
# and the dispatcher. -1 = none.
locals {
  sweeper_reservation = 2 * var.sweep_workers + 2
  reserved_concurrency = {
    for fn in ["ack", "poster", "controls", "sweeper", "reaper"] :
    fn => var.reserved_concurrency == null ? -1 : coalesce(var.reserved_concurrency[fn], local.sweeper_reservation)
  }
  reserved_concurrency_total = sum([for n in values(local.reserved_concurrency) : max(n, 0)])
}

# AWS refuses a reservation that leaves fewer than 100 unreserved executions in the account (and
# new accounts often have a quota of only 10). This says so at plan time; it is a warning, and it
# stays silent where the deployer may not read Service Quotas.
check "reserved_concurrency_fits_the_account" {
  data "aws_servicequotas_service_quota" "lambda_concurrency" {
    service_code = "lambda"
    quota_name   = "Concurrent executions"
  }

  assert {
    condition     = local.reserved_concurrency_total == 0 || local.reserved_concurrency_total <= data.aws_servicequotas_service_quota.lambda_concurrency.value - 100
    error_message = "snap reserves ${local.reserved_concurrency_total} concurrent executions, but the account's Lambda quota is ${data.aws_servicequotas_service_quota.lambda_concurrency.value} and AWS keeps 100 unreserved: lower var.reserved_concurrency, set it to null, or ask AWS for a higher quota."
  }
}
