#!/bin/sh
# Drops N distinct articles into a running corpusd's inbox as fast as the shell can write them, waits until
# every one has an outcome, and reports the daemon's peak resident memory (VmHWM) and the time taken.
# Usage: scripts/burst-rss.sh N [BIN_DIR]   (BIN_DIR defaults to .build/debug)
set -eu
N=${1:?usage: burst-rss.sh N [BIN_DIR]}
BIN=${2:-.build/debug}
WORK=$(mktemp -d /tmp/corpusd-burst.XXXXXX)
STATE=$WORK/state
mkdir -p "$STATE/inbox"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN/corpusd" --state-dir "$STATE" --log-level warning 2>"$WORK/corpusd.log" &
PID=$!
until "$BIN/corpusctl" status --state-dir "$STATE" >/dev/null 2>&1; do sleep 0.2; done
START_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")

start=$(date +%s.%N)
i=0
while [ "$i" -lt "$N" ]; do
    # Written in place by the shell itself (no process per file, so the burst is fast); each body is distinct.
    printf 'Report %d: the burst under review\n\nThe regional office said on Monday that report number %d covers the bridge and the river, and that officials expect a full account of the work before the end of the season.\n\nResidents told reporters that case %d was the first to reach a public hearing this year.\n' \
        "$i" "$i" "$i" >"$STATE/inbox/b$i.txt"
    i=$((i + 1))
done
dropped=$(date +%s.%N)

# Wait until every file has an outcome, sampling memory on the way.
peak_rss=0
while :; do
    json=$("$BIN/corpusctl" status --json --state-dir "$STATE")
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
    [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
    done_count=$(printf '%s' "$json" | tr -d ' \n' | sed -n 's/.*"items":{\([^}]*\)}.*/\1/p' |
        tr ',' '\n' | awk -F: '/"stored"|"duplicate"|"failed"/ {s += $2} END {print s + 0}')
    [ "$done_count" -ge "$N" ] && break
    sleep 1
done
finished=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
printf '%s\n' "$json" | tr -d ' \n' | sed -n 's/.*"items":{\([^}]*\)}.*/items: \1\n/p'
awk -v n="$N" -v s="$start" -v d="$dropped" -v f="$finished" -v r0="$START_RSS" -v hwm="$hwm" -v peak="$peak_rss" 'BEGIN {
    printf "files: %d  drop: %.1fs  all outcomes after: %.1fs  (%.0f files/s)\n", n, d - s, f - s, n / (f - s)
    printf "corpusd RSS: %.1f MiB at start, %.1f MiB peak sampled, VmHWM %.1f MiB\n", r0 / 1024, peak / 1024, hwm / 1024
}'
kill -TERM "$PID"
wait "$PID" || true
