#!/usr/bin/env bash
# Entity-facet quality report for a corpus: indexes it into a temporary index with the given newsdex,
# reads back what the index holds (`entities --format json`, `export --format jsonl` of every article)
# and the mention-level detail of the same text (`ner tag` of the exported articles), and prints:
#   1. per type (person, org, location, misc) the 50 most frequent canonical entities, with article
#      counts and their surface variants;
#   2. the 20 longest mentions (by words), with type and article id;
#   3. one line per defect class (sign-offs, table tokens, run-ons across "and", 6+-word mentions,
#      untagged ALL-CAPS briefs, first-name and honorific merges, punctuation in names, non-names in
#      the top 50), each with how it is counted;
#   4. the corpus, its number of articles and the indexing time.
# Usage (from anywhere; defaults relative to the repository):
#   bench/entity-report.sh [NEWSDEX_BINARY] [CORPUS_DIR_OR_FILES...]
#   bench/entity-report.sh                                   # target/release/newsdex on ../shared/corpus/
#   bench/entity-report.sh /tmp/nx/newsdex ../shared/corpus/reuters21578.jsonl.gz
# The first argument is taken as the binary when it is an executable file, else as corpus.
# Env: THREADS (indexing threads; default: newsdex's own), KEEP=1 keeps the temporary directory.
# Needs bash and python3 (standard library only; the report logic is in bench/entity_report.py).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

bin=$root/target/release/newsdex
if [[ $# -gt 0 && -f $1 && -x $1 ]]; then
  bin=$1
  shift
fi
if [[ $# -gt 0 ]]; then
  corpus=("$@")
else
  corpus=("$(cd "$root/../shared/corpus" 2>/dev/null && pwd || echo "$root/../shared/corpus")/")
fi
[[ -x $bin ]] || { echo "entity-report: no newsdex binary at $bin" >&2; exit 2; }
for c in "${corpus[@]}"; do
  [[ -e $c ]] || { echo "entity-report: no such corpus file or folder: $c" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/entity-report.XXXXXX")
cleanup() { if [[ ${KEEP:-0} == 1 ]]; then echo "entity-report: kept $tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
idx=$tmp/index

threads=()
[[ -n ${THREADS:-} ]] && threads=(--threads "$THREADS")
t0=$(date +%s.%N)
rc=0
"$bin" index "${corpus[@]}" --index "$idx" --rejects "$tmp/rejects.jsonl" -q --json "${threads[@]}" \
  > "$tmp/index.json" 2> "$tmp/index.err" || rc=$?
t1=$(date +%s.%N)
# 3: indexed, but some records could not be taken (counted on the last line; see --rejects).
if [[ $rc != 0 && $rc != 3 ]]; then
  cat "$tmp/index.err" >&2
  echo "entity-report: newsdex index failed with exit code $rc" >&2
  exit 1
fi
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
read -r articles rejected < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d.get("articles_in_index", d.get("new", 0)), d.get("rejected", 0))' "$tmp/index.json")

if [[ $articles == 0 ]]; then
  cat "$tmp/index.err" >&2
  echo "entity-report: no article was indexed from ${corpus[*]}" >&2
  exit 1
fi

# Every canonical entity of every type (--top larger than any type can have).
"$bin" entities --index "$idx" --format json --top 100000000 > "$tmp/entities.json"

# Every article. export wants a query or a filter and has no match-all, so: NOT a word no article has
# (checked below against the article count).
nomatch=entityreportqzxjvnomatch
"$bin" export "NOT $nomatch" --index "$idx" --format jsonl \
  --fields id,title,body,person,org,location,misc > "$tmp/articles.jsonl"
hits=$(head -n 1 "$tmp/articles.jsonl" | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["hits"])')
if [[ $hits != "$articles" ]]; then
  echo "entity-report: export matched $hits articles of $articles" >&2
  exit 1
fi

# Mentions (surface, type, canonical, offsets) of the same text, with the same tagger.
tail -n +2 "$tmp/articles.jsonl" | "$bin" ner tag - --index "$idx" > "$tmp/mentions.jsonl"

python3 "$here/entity_report.py" "$tmp/entities.json" "$tmp/articles.jsonl" "$tmp/mentions.jsonl" \
  "${corpus[*]}" "$articles" "$secs" "$rejected"
