#!/usr/bin/env bash
# The cost of new documents at a given corpus size: a copy of a filled state folder (scripts/fill-state.sh), an idle
# corpusd on it, one JSON Lines dump renamed into its inbox, then corpusd's CPU seconds, peak RSS, bytes read
# (rchar) and written (wchar: WAL frames and checkpoints) once every entry has an outcome. The copy is deleted
# afterwards; the state itself is never changed.
#   scripts/ingest-into-state.sh STATE DUMP.jsonl [BIN_DIR] [--strace TRACE]
# e.g. python3 bench/gen_corpus.py --out /tmp/new --count 5000 --start 260000 --format jsonl --per-file 5000
#      for s in .build/state-10k .build/state-250k; do scripts/ingest-into-state.sh $s /tmp/new/d0260000.jsonl; done
# With --strace TRACE corpusd runs under `strace -f -e trace=openat,pread64` (slow) and scripts/page-reads.py TRACE
# STATE/corpus.sqlite then says which tables and indexes the page reads of the database file fell on; STRACE_CALLS=fsync,
# fdatasync,pwrite64 traces those instead (-T: each call's time).
set -euo pipefail
state=$(realpath "$1"); dump=$(realpath "$2"); bin=$(realpath "${3:-.build/release}")
trace=""; if [ "${4:-}" = "--strace" ]; then trace=$(realpath -m "$5"); fi
copy="$state.copy.$$"
trap 'rm -rf "$copy"' EXIT
cp -r "$state" "$copy"; mkdir -p "$copy/inbox"
entries=$(wc -l < "$dump")
before=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM item WHERE parent_id IS NOT NULL').fetchone()[0])" "$copy/corpus.sqlite")
if [ -n "$trace" ]; then
    strace -f -qq -T --seccomp-bpf -e trace="${STRACE_CALLS:-openat,pread64}" -o "$trace" "$bin/corpusd" --state-dir "$copy" > "$copy.log" 2>&1 &
else
    "$bin/corpusd" --state-dir "$copy" > "$copy.log" 2>&1 &
fi
sleep "${SETTLE:-3}"  # start-up (and a migration of the copy) done before the CPU is counted
pid=$(pgrep -n -f "corpusd --state-dir $copy")
cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
wchar0=$(awk '/^wchar/ {print $2}' "/proc/$pid/io")
cp "$dump" "$copy/dump.tmp" && mv "$copy/dump.tmp" "$copy/inbox/$(basename "$dump")"
t0=$(date +%s.%N)
until [ "$(python3 -c "import sqlite3,sys; print(sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True).execute(\"SELECT COUNT(*) FROM item WHERE parent_id IS NOT NULL AND state IN ('stored','duplicate','failed')\").fetchone()[0])" "$copy/corpus.sqlite")" -ge $((before + entries)) ]; do sleep 0.5; done
t1=$(date +%s.%N)
ticks=$(getconf CLK_TCK)
cpu=$(awk -v c0="$cpu0" -v t="$ticks" '{print ($14 + $15 - c0) / t}' "/proc/$pid/stat")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
rchar=$(awk '/rchar/ {print $2}' "/proc/$pid/io")
wchar=$(awk -v w0="$wchar0" '/^wchar/ {printf "%.0f", $2 - w0}' "/proc/$pid/io")
kill -TERM "$pid"; wait || true
docs=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT value FROM corpus_stat WHERE name = 'documents'\").fetchone()[0])" "$state/corpus.sqlite" 2>/dev/null || echo "?")
python3 - "$state" "$docs" "$entries" "$t0" "$t1" "$cpu" "$hwm" "$rchar" "$wchar" <<'PY'
import sys
state, docs, n, t0, t1, cpu, hwm, rchar, wchar = sys.argv[1:]
n = int(n); wall = float(t1) - float(t0); cpu = float(cpu)
print(f"{state}: {docs} documents stored before; {n} entries: wall {wall:.1f} s, corpusd CPU {cpu:.2f} s "
      f"= {cpu / n * 1e6:.0f} µs/entry, peak RSS {int(hwm) / 1024:.1f} MiB, read {int(rchar) / n / 1e6:.2f} MB/entry, "
      f"written {int(wchar) / n / 1e3:.0f} KB/entry")
PY
