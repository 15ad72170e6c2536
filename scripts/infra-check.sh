#!/usr/bin/env bash
# Offline checks of infra/: tfcheck (AWS provider 6.25 schema) where ../shared has it, and
# terraform fmt/validate where a terraform binary exists. The cross-checks between infra and
# code are tests (tests/infra) and run with `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

tfcheck=../shared/tools/tfcheck/tfcheck.mjs
if [ -f "$tfcheck" ]; then
  node "$tfcheck" infra
  node "$tfcheck" infra/modules/function
else
  # Outside this project's development setup the tool is not there: say what that leaves unchecked.
  cat <<TEXT
infra: tfcheck skipped — the offline check of infra/ against the AWS provider 6.25 schema is a
  tool of snap's development setup ($tfcheck), not part of this repository.
  Not checked here then: resource types and their arguments against the provider's schema,
  missing required arguments, references to undeclared variables, locals and resources.
  Still checked: terraform fmt below (with a terraform binary on PATH), and npm test's tests/infra
  (Terraform and the code held to the same contracts: paths, variables, keys, policies).
  To check the schema yourself: install Terraform (>= 1.6) and run this again; it then runs
  terraform validate, which downloads the AWS provider.
TEXT
fi

if command -v terraform >/dev/null 2>&1; then
  terraform -chdir=infra fmt -check -recursive -diff 2> >(grep -v -e 'CLI configuration' -e '^[│╷╵]' >&2)
  echo "infra: terraform fmt -check passed"
  log=$(mktemp)
  if terraform -chdir=infra init -backend=false -input=false -no-color >"$log" 2>&1; then
    terraform -chdir=infra validate -no-color
  elif grep -q -e 'could not connect to registry' -e 'Failed to query available provider packages' "$log"; then
    echo "infra: terraform validate skipped (providers cannot be downloaded here: no registry access)"
  else
    cat "$log" >&2
    exit 1
  fi
  rm -f "$log"
else
  echo "infra: terraform fmt -check and validate skipped (no terraform binary on PATH)"
fi
