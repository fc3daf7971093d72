#!/usr/bin/env bash
# newsdex against the peers (tantivy-cli, SQLite FTS5, Xapian, bm25s) on the same corpora and
# queries, in one run: indexing (wall, MB/s, peak RSS, index size), 300 queries top-10 in one
# process, one `newsdex search` process per query (p50/p95), export of every hit of a broad query,
# entity tagging speed; medians of N repeats, ratios to the peers, and an SVG chart of indexing
# time against corpus size.
#   ../shared/peers/setup.sh     # once: the peers under /tmp/peers
#   bench/run.sh                 # results in $WORK: results.tsv (every run), summary.md, index-time.svg
# Env: SHARED (../shared), PEERS (/tmp/peers), WORK (/tmp/newsdex-bench), N (5 repeats on the real
# corpus), SIZES ("100000 200000": scaled corpora), SIZE_N (3: rounds of them, in the first rounds of
# the real corpus), THREADS (2), SLOW_PEERS (0: Xapian and bm25s only on the real corpus; 1: on
# every size), EXPORT_N (9 repeats of the export into a new file and 9 over the last output, a
# tenth of a second each; the machine's noise is a few ms).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared} PEERS=${PEERS:-/tmp/peers} WORK=${WORK:-/tmp/newsdex-bench}
N=${N:-5} THREADS=${THREADS:-2} SIZES=${SIZES:-100000 200000} SIZE_N=${SIZE_N:-3} SLOW_PEERS=${SLOW_PEERS:-0}
EXPORT_N=${EXPORT_N:-9}
export PEERS THREADS
cargo build --release -q --bin newsdex --example tag_speed
BIN=$PWD/target/release/newsdex
queries=$SHARED/corpus/queries300.txt
mkdir -p "$WORK"
results=$WORK/results.tsv
printf 'corpus\tdocs\tmb\tsystem\tmeasure\trun\tvalue\tunit\n' > "$results"

# The real corpus: every file of ../shared/corpus, dates cut to YYYY-MM-DD (tantivy-cli wants RFC 3339
# and the peer script only rewrites that form).
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
for n in $SIZES; do
  # Written aside and renamed, so an interrupted run never leaves a short corpus to reuse.
  [ -s "$WORK/news-$n.jsonl" ] || { python3 "$SHARED/tools/mkcorpus.py" --docs "$n" --seed 7 \
    -o "$WORK/news-$n.jsonl.part" "$SHARED"/corpus/*.jsonl* >/dev/null \
    && mv "$WORK/news-$n.jsonl.part" "$WORK/news-$n.jsonl"; }
done

record() { # corpus system measure run value unit
  local f=$WORK/$1.jsonl
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$(wc -l < "$f")" \
    "$(awk -v b="$(stat -c %s "$f")" 'BEGIN {printf "%.1f", b / 1048576}')" "$2" "$3" "$4" "$5" "$6" >> "$results"
}
# timed CMD...: wall seconds (to the millisecond: time's %e steps by 10 ms, 10% of an export;
# read from bash's clock, as `date` in a subshell before and after added its own 2-3 ms)
# and peak RSS (KB, largest process of the tree) into $wall, $rss
timed() {
  local t start end; t=$(mktemp)
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$t" "$@" > "$WORK/last.out" 2> "$WORK/last.err" || true
  end=$EPOCHREALTIME
  wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
  rss=$(tail -1 "$t"); rm -f "$t"
}
index_run() { # corpus run system
  local c=$1 i=$2 s=$3 dir=$WORK/idx-$3-$1 f=$WORK/$1.jsonl
  rm -rf "$dir"
  case $s in
    newsdex) timed "$BIN" --index "$dir" index "$f" --threads "$THREADS" --quiet ;;
    newsdex-no-entities) timed "$BIN" --index "$dir" index "$f" --threads "$THREADS" --no-entities --quiet ;;
    *) timed "$SHARED/peers/$s.sh" index "$f" "$dir"
       wall=$(awk '/^INDEX_SECONDS/ {print $2}' "$WORK/last.out") ;;
  esac
  record "$c" "$s" index_s "$i" "$wall" s
  record "$c" "$s" index_peak_rss "$i" "$((rss / 1024))" MB
  record "$c" "$s" index_size "$i" "$(du -sm "$dir" | cut -f1)" MB
}
query_run() { # corpus run system
  local c=$1 i=$2 s=$3 dir=$WORK/idx-$3-$1
  case $s in
    newsdex)
      "$BIN" --index "$dir" batch "$queries" --limit 10 --format trec --stats > /dev/null 2> "$WORK/last.err" || true
      record "$c" newsdex queries_top10 "$i" "$(awk '/queries run and written in/ {print $(NF-1)}' "$WORK/last.err")" s
      "$BIN" --index "$dir" batch "$queries" --threads 1 --limit 10 --format trec --stats > /dev/null 2> "$WORK/last.err" || true
      record "$c" newsdex queries_top10_1thread "$i" "$(awk '/queries run and written in/ {print $(NF-1)}' "$WORK/last.err")" s
      "$BIN" --index "$dir" batch "$queries" --limit 10 --format jsonl --fields qid,rank,id,score,title,snippet \
        --facets person,org,location --stats > /dev/null 2> "$WORK/last.err" || true
      record "$c" newsdex queries_top10_snippets_facets "$i" "$(awk '/queries run and written in/ {print $(NF-1)}' "$WORK/last.err")" s
      # The same on one thread (batch runs queries side by side by default;
      # the peers' loops run one query at a time).
      "$BIN" --index "$dir" batch "$queries" --threads 1 --limit 10 --format jsonl \
        --fields qid,rank,id,score,title,snippet --facets person,org,location --stats > /dev/null 2> "$WORK/last.err" || true
      record "$c" newsdex queries_top10_snippets_facets_1thread "$i" "$(awk '/queries run and written in/ {print $(NF-1)}' "$WORK/last.err")" s ;;
    *)
      "$SHARED/peers/$s.sh" search "$dir" "$queries" > "$WORK/last.out" 2>/dev/null || true
      record "$c" "$s" queries_top10 "$i" "$(awk '/^TOTAL_SECONDS/ {print $2}' "$WORK/last.out")" s ;;
  esac
}

slow="xapian bm25s"
for i in $(seq "$N"); do
  for s in newsdex newsdex-no-entities tantivy-cli sqlite-fts5 $slow; do
    index_run real "$i" "$s"
    [ "$s" = newsdex-no-entities ] || query_run real "$i" "$s"
  done
  # The scaled corpora in the same rounds as the real one (the first SIZE_N), so that the
  # medians compared for linear growth sample the same minutes of the machine: its speed
  # drifts by a third within an hour (one 200k run in a slow minute read as 1.33 for newsdex
  # and tantivy-cli alike).
  [ "$i" -le "$SIZE_N" ] || continue
  for n in $SIZES; do
    peers="tantivy-cli sqlite-fts5"; [ "$SLOW_PEERS" = 1 ] && peers="$peers $slow"
    for s in newsdex newsdex-no-entities $peers; do
      index_run "news-$n" "$i" "$s"
      [ "$s" = newsdex-no-entities ] || query_run "news-$n" "$i" "$s"
    done
  done
done

# One `newsdex search` process per query (default output: table, snippets, facets), warm cache,
# on the 200k corpus (the issue's; else the largest): the first 100 queries, after one warm-up pass.
big=news-$(echo "$SIZES" | tr ' ' '\n' | grep -x 200000 || echo "$SIZES" | tr ' ' '\n' | tail -1)
head -100 "$queries" > "$WORK/q100.txt"
for pass in warm timed; do
  while read -r q; do
    s=$EPOCHREALTIME
    "$BIN" --index "$WORK/idx-newsdex-$big" search "$q" > /dev/null 2>&1 || true
    [ $pass = timed ] && record "$big" newsdex search_process_ms 1 \
      "$(awk -v s="$s" -v e="$EPOCHREALTIME" 'BEGIN {printf "%.1f", (e - s) * 1000}')" ms
  done < "$WORK/q100.txt"
done

# Export every hit of a broad query on that corpus: newsdex with id, score, date, title and
# entity columns; SQLite FTS5 with id, score, title (its peer script). export_s: into a new
# file (the previous repeat's output is removed before the clock starts, for both systems);
# export_overwrite_s: over the previous repeat's output, which each system then frees (on a
# disk mounted with `discard` that wait grows with the old file's size).
broad=${BROAD:-said}
nd_export() {
  timed "$BIN" --index "$WORK/idx-newsdex-$big" export "$broad" --format csv \
    --fields id,score,date,title,person,org,location,misc -o "$WORK/export-newsdex.csv"
  record "$big" newsdex "$1" "$i" "$wall" s
}
fts_export() {
  timed "$SHARED/peers/sqlite-fts5.sh" export "$WORK/idx-sqlite-fts5-$big" "$broad" "$WORK/export-fts5.csv"
  record "$big" sqlite-fts5 "$1" "$i" "$wall" s
}
for i in $(seq "$EXPORT_N"); do
  rm -f "$WORK/export-newsdex.csv"
  nd_export export_s
  rm -f "$WORK/export-fts5.csv"
  fts_export export_s
  nd_export export_overwrite_s
  fts_export export_overwrite_s
done
record "$big" newsdex export_rows 1 "$(($(wc -l < "$WORK/export-newsdex.csv") - 1))" rows
record "$big" sqlite-fts5 export_rows 1 "$(($(wc -l < "$WORK/export-fts5.csv") - 1))" rows

# Entity tagging, one core (best of 3 fresh models).
tok=$(./target/release/examples/tag_speed "$SHARED"/corpus/*.jsonl* | sed -E 's/.* = ([0-9]+) tokens.*/\1/')
record real newsdex ner_tokens_per_s 1 "$tok" tokens/s

python3 bench/summary.py "$results" "$WORK"
