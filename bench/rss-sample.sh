#!/usr/bin/env bash
# Runs a command and samples its memory every 2 s from /proc (peak so far, resident, anonymous and
# file-backed), to see when and where a run's memory goes; /usr/bin/time only gives the peak.
#   bench/rss-sample.sh OUT target/release/newsdex --index /tmp/i index news-1000000.jsonl --quiet
# OUT gets one line per sample: seconds, VmHWM, VmRSS, RssAnon, RssFile (MB), then "exit N".
set -u
out=$1; shift
: > "$out"
"$@" & pid=$!
start=$EPOCHREALTIME
while kill -0 "$pid" 2>/dev/null; do
  mem=$(grep -E '^(VmHWM|VmRSS|RssAnon|RssFile):' "/proc/$pid/status" 2>/dev/null | awk '{printf "%s %d ", $1, $2 / 1024}')
  awk -v s="$start" -v e="$EPOCHREALTIME" -v m="$mem" 'BEGIN {printf "%.0f %s\n", e - s, m}' >> "$out"
  sleep 2
done
wait "$pid"; echo "exit $?" >> "$out"
