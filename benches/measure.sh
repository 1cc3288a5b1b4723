#!/usr/bin/env bash
# Wall time, rows per second and peak memory (max RSS) of the release binary at several
# sizes: generate, validate, funnel, managers, payroll, campaigns, reactivation, report (the year 2025, and the month 2025-12 in Russian). Usage: bash benches/measure.sh [sizes...]
# (default 10000 100000 1000000). Needs GNU time (/usr/bin/time); builds --release.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10000 100000 1000000}")
[ $# -gt 0 ] || sizes=(10000 100000 1000000)
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import sys,json; print(json.load(sys.stdin)["target_directory"])')}/release/crmstat"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-10s %-10s %10s %14s %12s\n' deals step seconds deals_per_s peak_MiB
for n in "${sizes[@]}"; do
  data="$work/d$n"
  for step in generate validate funnel managers payroll campaigns reactivation report report-ru; do
    case $step in
      generate) args=(generate --deals "$n" --seed 42 --out "$data") ;;
      validate) args=(validate --data "$data" --out "$work/v$n") ;;
      funnel)   args=(funnel --data "$data" --period 2025 --out "$work/f$n") ;;
      managers) args=(managers --data "$data" --period 2025 --out "$work/m$n") ;;
      payroll)  args=(payroll --data "$data" --period 2025 --out "$work/p$n") ;;
      campaigns) args=(campaigns --data "$data" --period 2025 --attribution linear --out "$work/c$n") ;;
      reactivation) args=(reactivation --data "$data" --period 2025 --out "$work/a$n") ;;
      report)   args=(report --data "$data" --period 2025 --out "$work/r$n") ;;
      report-ru) args=(report --data "$data" --period 2025-12 --lang ru --out "$work/rm$n") ;;
    esac
    /usr/bin/time -f '%e %M' -o "$work/time" "$bin" "${args[@]}" >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    read -r secs kib < "$work/time"
    python3 -c "import sys; n,s,k=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'{n:<10} {sys.argv[4]:<10} {s:10.2f} {n/max(s,0.01):14.0f} {k/1024:12.0f}')" "$n" "$secs" "$kib" "$step"
  done
done
