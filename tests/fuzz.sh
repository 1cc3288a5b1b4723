#!/usr/bin/env bash
# Run the fuzz targets of tests/fuzz.rs for about an hour (or $1 seconds): rounds of
# CRMSTAT_FUZZ_CASES cases each with fresh random seeds, counting the inputs tried.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-3600}
per=${CRMSTAT_FUZZ_CASES:-2000}
start=$(date +%s)
rounds=0
while [ $(( $(date +%s) - start )) -lt "$limit" ]; do
  CRMSTAT_FUZZ_CASES=$per cargo test --release --test fuzz --quiet >/dev/null
  rounds=$((rounds + 1))
  echo "round $rounds: $((rounds * per)) inputs per target, $(( $(date +%s) - start )) s"
done
