#!/usr/bin/env bash
# Every answer newsdex gives, stored as files, so a change that must not alter
# behaviour can be checked byte for byte:
#   bench/same-answers.sh /tmp/answers-before      # at the old commit
#   bench/same-answers.sh /tmp/answers-after       # at the new one
#   diff -r /tmp/answers-before /tmp/answers-after
# Each command's stdout, stderr and exit code go to OUT/<corpus>/<name>.{out,err,rc}.
# Corpora: the fixtures, the bundled sample and, where ../shared is present, the
# real corpus (every file of ../shared/corpus) and the CoNLL dev set for `ner`.
# What differs from run to run by design is blanked: provenance timestamps and
# commit ids, timings, index sizes and segment counts.
# Indexing with several threads lays articles out in segments in whatever order the threads
# take them, and some answers depend on the layout (more-like-this term statistics), so the
# query answers run on indexes kept from the first run: with
# INDEXES=DIR, indexes are saved there if DIR is empty and reused from there otherwise. Each
# run still indexes afresh and stores a dump of every article (all columns) of its new index.
# Env: BIN (target/release/newsdex, built if missing), SHARED (../shared), INDEXES.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: bench/same-answers.sh OUTDIR}
SHARED=$(cd "${SHARED:-../shared}" 2>/dev/null && pwd || echo /nonexistent)
BIN=${BIN:-$PWD/target/release/newsdex}
[ -x "$BIN" ] || cargo build --release -q --bin newsdex
ROOT=$PWD
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
rm -rf "$OUT"; mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Blank what changes between runs by design.
redact() {
  sed -E \
    -e 's/"created": ?"[^"]*"/"created":"-"/g' \
    -e 's/"commit": ?"[^"]*"/"commit":"-"/g' \
    -e 's/"(seconds|mb_per_s|bytes|segments)": ?[0-9.]+/"\1":0/g' \
    -e 's/in [0-9.]+ s \([0-9.]+ MB\/s\)/in - s (- MB\/s)/' \
    -e 's/^size( +)[0-9.]+ MB in [0-9]+ segments?/size\1-/' \
    -e 's/(opening the index|running the queries|took)[^,]*[0-9.]+ ?(ms|s)/\1 -/g' \
    -e "s#$WORK#WORK#g"
}

# run CORPUS NAME ARGS...: one command, its outputs stored.
corpus=""
run() {
  local name=$1; shift
  local d=$OUT/$corpus
  mkdir -p "$d"
  (cd "$WORK" && "$BIN" "$@" > "$d/$name.out" 2> "$d/$name.err" < /dev/null)
  echo $? > "$d/$name.rc"
  redact < "$d/$name.out" > "$d/$name.tmp" && mv "$d/$name.tmp" "$d/$name.out"
  redact < "$d/$name.err" > "$d/$name.tmp" && mv "$d/$name.tmp" "$d/$name.err"
}
# fresh NAME ARGS...: index into WORK/NAME with these arguments, dump every article of it
# (layout-independent: each scores the same, so rank order is id order), and set $idx to
# the index the answers run on (see INDEXES above).
fresh() {
  local name=$1; shift
  run "$name" --index "$WORK/$name" index "$@"
  run "$name-dump" --index "$WORK/$name" export 'NOT zzzqqqxxyy' --format jsonl \
    --fields id,score,rank,date,source,title,url,category,person,org,location,misc,snippet,body
  idx=$WORK/$name-q
  if [ -n "${INDEXES:-}" ] && [ -d "$INDEXES/$corpus-$name" ]; then
    cp -r "$INDEXES/$corpus-$name" "$idx"
  else
    cp -r "$WORK/$name" "$idx"
    if [ -n "${INDEXES:-}" ]; then mkdir -p "$INDEXES"; cp -r "$WORK/$name" "$INDEXES/$corpus-$name"; fi
  fi
}
# keep NAME FILE: a file a command wrote, stored (redacted).
keep() { redact < "$2" > "$OUT/$corpus/$1"; }

# answers INDEX Q1 Q2 PERSON ID: every answer command on one index.
# Q1 a query with many hits, Q2 a narrower one, PERSON a tagged person, ID an article.
answers() {
  local idx=$1 q1=$2 q2=$3 person=$4 id=$5
  local I=(--index "$idx")
  for f in table json jsonl csv; do
    run "search-$f" "${I[@]}" search "$q1" --format "$f" --color never
    run "search-filters-$f" "${I[@]}" search "$q2" --any --facets person,org,location,misc,source,category \
      --facet-size 7 --limit 20 --offset 3 --format "$f" --color never
    run "search-person-$f" "${I[@]}" search --person "$person" --format "$f" --color never
    run "similar-$f" "${I[@]}" similar "$id" --format "$f" --color never --limit 5
  done
  run search-sort-date "${I[@]}" search "$q1" --sort date --limit 30 --format jsonl
  run search-sort-newest "${I[@]}" search "$q1" --sort -date --limit 30 --format jsonl
  run search-recency "${I[@]}" search "$q1" --recency 30d --limit 30 --format jsonl
  run search-since "${I[@]}" search "$q1" --since 1987-03 --until 2020 --format jsonl
  run search-phrase "${I[@]}" search "\"$q2\"~2" --format jsonl
  run search-bool "${I[@]}" search "($q1) OR ($q2) -the" --format jsonl
  run search-prefix "${I[@]}" search 'pres*' --format jsonl --limit 50
  run search-fields "${I[@]}" search "title:$(echo "$q1" | cut -d' ' -f1) date:[1980-01-01 TO *]" --format jsonl
  run search-entity "${I[@]}" search "person:\"$person\" OR entity:$(echo "$person" | awk '{print $NF}')" --format jsonl
  run search-none "${I[@]}" search zzzqqqxxyy --format jsonl
  run search-bad "${I[@]}" search '"unclosed'
  run search-bad2 "${I[@]}" search 'putin AND (erdogan'
  local all=id,score,rank,date,source,title,url,category,person,org,location,misc,snippet,body
  for f in csv tsv jsonl; do
    run "export-$f" "${I[@]}" export "$q1" --format "$f"
    run "export-all-$f" "${I[@]}" export "$q2" --any --format "$f" --fields "$all"
    run "export-ents-$f" "${I[@]}" export the --format "$f" --fields id,title,person,org,location,misc
  done
  run export-file "${I[@]}" export "$q1" --fields "$all" -o "$WORK/hits.csv"
  keep export-file.csv "$WORK/hits.csv"; keep export-file.meta.json "$WORK/hits.csv.meta.json"
  run export-fast "${I[@]}" export the --fields id,score,rank,date,title,person,org,location,misc
  run export-date "${I[@]}" export "$q1" --sort -date --fields id,date,title
  run entities "${I[@]}" entities
  run entities-q "${I[@]}" entities "$q1" --type person --top 10
  run entities-json "${I[@]}" entities "$q2" --any --format json
  run cooccur "${I[@]}" cooccur
  run cooccur-with "${I[@]}" cooccur --with "$person" --type person,org --top 10
  run cooccur-csv "${I[@]}" cooccur --min-joint 2 --format csv --top 50
  run cooccur-json "${I[@]}" cooccur "$q2" --any --format json
  for iv in day week month year; do
    run "timeline-$iv" "${I[@]}" timeline --interval "$iv" --format csv
  done
  run timeline-chart "${I[@]}" timeline "$q1" --interval year
  run timeline-by "${I[@]}" timeline "$q1" --interval month --by person --top 5 --format json \
    --plot "$WORK/t.svg"
  keep timeline-by.svg "$WORK/t.svg"
  printf '%s\n' "$q1" "$q2" "putin AND (erdogan" "$person" "the" "zzzqqqxxyy" > "$WORK/q.txt"
  run batch-trec "${I[@]}" batch "$WORK/q.txt" --limit 100 --format trec
  run batch-csv "${I[@]}" batch "$WORK/q.txt" --format csv \
    --fields qid,rank,id,score,date,title,source,url,snippet,person,org,location,misc
  run batch-jsonl "${I[@]}" batch "$WORK/q.txt" --limit 20 --format jsonl --facets person,org,location,misc,source,category \
    --fields qid,rank,id,score,date,title,person
  run batch-date "${I[@]}" batch "$WORK/q.txt" --limit 5 --sort -date --any --format csv
  run batch-file "${I[@]}" batch "$WORK/q.txt" --limit 10 -o "$WORK/b.csv"
  keep batch-file.csv "$WORK/b.csv"; keep batch-file.meta.json "$WORK/b.csv.meta.json"
  run stats "${I[@]}" stats
  run stats-json "${I[@]}" stats --format json --top 20
}

# The fixtures: a corpus with broken records (exit 3) and an alias table.
corpus=fixtures
fresh fx "$ROOT/tests/fixtures/corpus" --aliases "$ROOT/tests/fixtures/aliases.csv" --quiet
keep rejects.jsonl "$WORK/fx/rejects.jsonl"
run index-again --index "$WORK/fx" index "$ROOT/tests/fixtures/corpus" \
  --aliases "$ROOT/tests/fixtures/aliases.csv" --quiet --json
answers "$idx" "oil" "merkel berlin" "Angela Merkel" a2
for v in v1 v2 v3; do
  cp -r "$ROOT/tests/fixtures/compat/$v" "$WORK/$v"
  run "compat-$v-search" --index "$WORK/$v" search oil --format jsonl
  run "compat-$v-export" --index "$WORK/$v" export the --format csv
done
for f in "$ROOT"/tests/fixtures/conll/*; do
  run "ner-conll-$(basename "$f")" ner tag --conll "$f"
  run "ner-eval-$(basename "$f")" ner eval "$f" --format json
done

# The bundled sample.
corpus=sample
fresh sample "$ROOT/data/" --quiet --threads 2
answers "$idx" "scientology" "church website" "Vladimir Putin" GUM_news_hackers
run ner-tag ner tag "$ROOT/data/seed_article.jsonl"
run ner-tag-all ner tag "$ROOT/data/wikinews_gum.jsonl"
run ner-tag-aliases ner tag "$ROOT/data/seed_article.jsonl" --aliases "$ROOT/tests/fixtures/aliases.csv"
python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["body"])' \
  "$ROOT/data/wikinews_gum.jsonl" > "$WORK/a.txt"
run ner-text ner tag --text "$WORK/a.txt"

# The real corpus, where ../shared is at hand.
if [ -d "$SHARED/corpus" ]; then
  corpus=real
  fresh real "$SHARED/corpus" --quiet --threads 2
  answers "$idx" "oil prices" "opec output" "Ronald Reagan" "$(zcat "$SHARED/corpus/reuters21578.jsonl.gz" \
    | head -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])')"
  run batch-300 --index "$idx" batch "$SHARED/corpus/queries300.txt" --limit 10 --format trec
  run batch-300-all --index "$idx" batch "$SHARED/corpus/queries300.txt" --format csv
  run ner-tag-real ner tag "$SHARED/corpus/wikinews_gum.jsonl"
  zcat "$SHARED/ner/conll2003.dev.txt.gz" > "$WORK/dev.txt"
  run ner-eval-dev ner eval "$WORK/dev.txt" --format json
  run ner-conll-dev ner tag --conll "$WORK/dev.txt"
fi
echo "answers in $OUT: $(find "$OUT" -type f | wc -l) files"
