#!/usr/bin/env bash
# newsdex against tantivy-cli on the real corpus (all of ../shared/corpus, dates cut to YYYY-MM-DD),
# measured in the same run, N repeats, medians and ratios on stdout (TSV).
#   bench/run.sh            # after ../shared/peers/setup.sh (tantivy-cli under /tmp/peers)
# Env: SHARED (../shared), PEERS (/tmp/peers), WORK (/tmp/newsdex-bench), N (3), THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared} PEERS=${PEERS:-/tmp/peers} WORK=${WORK:-/tmp/newsdex-bench}
N=${N:-3} THREADS=${THREADS:-2}
export PEERS THREADS
cargo build --release -q
BIN=$PWD/target/release/newsdex
mkdir -p "$WORK"
python3 - "$SHARED/corpus" "$WORK/real.jsonl" <<'PY'
import gzip, json, glob, sys
src, dst = sys.argv[1:3]
with open(dst, "w") as out:
    for p in sorted(glob.glob(src + "/*.jsonl*")):
        f = gzip.open(p, "rt") if p.endswith(".gz") else open(p)
        for line in f:
            d = json.loads(line)
            if isinstance(d.get("date"), str):
                d["date"] = d["date"][:10]
            out.write(json.dumps(d) + "\n")
PY
queries=$SHARED/corpus/queries300.txt
secs() { local s=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || true; awk -v s="$s" -v e="$EPOCHREALTIME" 'BEGIN {printf "%.3f", e - s}'; }
: > "$WORK/times.tsv"
for i in $(seq "$N"); do
  rm -rf "$WORK/nd" "$WORK/nd-plain"
  printf 'newsdex_index_entities\t%s\n' "$(secs "$BIN" --index "$WORK/nd" index "$WORK/real.jsonl" --threads "$THREADS" --quiet)" >> "$WORK/times.tsv"
  printf 'newsdex_index_no_entities\t%s\n' "$(secs "$BIN" --index "$WORK/nd-plain" index "$WORK/real.jsonl" --threads "$THREADS" --no-entities --quiet)" >> "$WORK/times.tsv"
  t=$("$SHARED/peers/tantivy-cli.sh" index "$WORK/real.jsonl" "$WORK/tantivy" | awk '/^INDEX_SECONDS/ {print $2}')
  printf 'tantivy_cli_index\t%s\n' "$t" >> "$WORK/times.tsv"
  printf 'newsdex_300_queries_top10_one_process\t%s\n' "$(secs "$BIN" --index "$WORK/nd" batch "$queries" --limit 10 --format trec)" >> "$WORK/times.tsv"
  t=$("$SHARED/peers/tantivy-cli.sh" search "$WORK/tantivy" "$queries" | awk '/^TOTAL_SECONDS/ {print $2}')
  printf 'tantivy_cli_300_queries_bench\t%s\n' "$t" >> "$WORK/times.tsv"
done
python3 - "$WORK/times.tsv" <<'PY'
import statistics, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    k, v = line.split()
    runs[k].append(float(v))
med = {k: statistics.median(v) for k, v in runs.items()}
print("measure\tmedian_s\truns")
for k, v in runs.items():
    print(f"{k}\t{med[k]:.3f}\t{' '.join(f'{x:.3f}' for x in v)}")
t = med["tantivy_cli_index"]
print(f"ratio_index_entities_vs_tantivy_cli\t{med['newsdex_index_entities'] / t:.2f}")
print(f"ratio_index_no_entities_vs_tantivy_cli\t{med['newsdex_index_no_entities'] / t:.2f}")
PY
