#!/usr/bin/env bash
# crmstat against its peers on the same files, in one run (release build).
#
#   bash benches/peers.sh [REPS] [SIZES...]      default: 3 repetitions, 100000 1000000
#
# For each size (deals) it generates the realistic mix once (crmstat generate: about 10
# contacts, 2.5 stage entries, 0.6 clients and 0.4 payments a deal, text quoted), converts
# it to Parquet (crmstat convert), then runs REPS rounds of, interleaved and each after
# `sync` and a dropped page cache where allowed:
#   crmstat report from CSV, crmstat report from Parquet,
#   DuckDB computing the report's figures from CSV and from Parquet (benches/peers.py),
#   the floors: DuckDB count(*) over every CSV, polars reading every CSV as text.
# It prints wall seconds and peak RSS (GNU time) as the median of the rounds, with min and
# max, and the ratios crmstat / DuckDB. DuckDB and polars are installed into a venv
# ($PEERS_VENV, default ../peers-venv beside the clone) from PyPI on the first run.
# Data goes to $PEERS_DATA (default ../peers-data); keep it between runs to skip generating.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
venv=${PEERS_VENV:-$(cd .. && pwd)/peers-venv}
data_root=${PEERS_DATA:-$(cd .. && pwd)/peers-data}
period=${PEERS_PERIOD:-2025-12}

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet duckdb polars
fi
py="$venv/bin/python"
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | "$py" -c 'import sys,json; print(json.load(sys.stdin)["target_directory"])')}
bin="$target/release/crmstat"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # name, command...: one timed run; appends "name seconds kib" to $work/times
  local name=$1
  shift
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; fi
  if ! /usr/bin/time -f '%e %M' -o "$work/t" "$@" >"$work/out" 2>"$work/err"; then
    echo "FAILED: $name: $*" >&2
    tail -5 "$work/err" >&2
    return 1
  fi
  read -r secs kib <"$work/t"
  echo "$name $secs $kib" >>"$work/times"
}

for n in "${sizes[@]}"; do
  csv="$data_root/d$n"
  pq="$data_root/d$n-parquet"
  if [ ! -f "$csv/contacts.csv" ]; then
    "$bin" generate --deals "$n" --seed 42 --out "$csv" 2>&1 | head -1
  fi
  if [ ! -f "$pq/contacts.parquet" ]; then
    "$bin" convert --data "$csv" --out "$pq" --quiet
  fi
  size=$(du -sh --apparent-size "$csv" | cut -f1)
  : >"$work/times"
  for r in $(seq "$reps"); do
    run crmstat_csv "$bin" report --data "$csv" --period "$period" --out "$work/r" --quiet
    run duckdb_csv "$py" benches/peers.py duckdb "$csv" csv "$period"
    run crmstat_parquet "$bin" report --data "$pq" --period "$period" --out "$work/r" --quiet
    run duckdb_parquet "$py" benches/peers.py duckdb "$pq" parquet "$period"
    run floor_duckdb_count "$py" benches/peers.py count "$csv"
    run floor_polars_read "$py" benches/peers.py polars "$csv"
  done
  echo
  echo "== $n deals ($size of CSV), $reps rounds, period $period: median (min–max)"
  "$py" - "$work/times" <<'EOF'
import statistics, sys
from collections import defaultdict
t = defaultdict(list)
for line in open(sys.argv[1]):
    name, s, k = line.split()
    t[name].append((float(s), int(k) / 1024))
def fmt(v):
    return f"{statistics.median(v):7.2f} ({min(v):.2f}–{max(v):.2f})"
print(f"{'':20} {'seconds':>22} {'peak MiB':>26}")
for name, v in t.items():
    print(f"{name:20} {fmt([x[0] for x in v]):>22} {fmt([x[1] for x in v]):>26}")
for src in ("csv", "parquet"):
    a, b = t.get(f"crmstat_{src}"), t.get(f"duckdb_{src}")
    if a and b:
        # Pair by pair (the same round), as the runs were interleaved.
        time = [x[0] / y[0] for x, y in zip(a, b)]
        mem = [x[1] / y[1] for x, y in zip(a, b)]
        print(f"crmstat / DuckDB from {src}: time {fmt(time)}, memory {fmt(mem)}")
EOF
done
