#!/usr/bin/env bash
# Builds a large state folder through the real pipeline and store, to measure corpusctl's queries at scale:
#   scripts/fill-state.sh STATE COUNT [CHUNK]        e.g. nice scripts/fill-state.sh .build/state-1m 1000000
# The files are make bench's corpus (bench/gen_corpus.py: news pages with exact, same-text and near copies),
# written CHUNK at a time beside STATE (the next chunk is generated while the lab ingests this one) and deleted
# once ingested. STATE/filled-to records how far it got, so an interrupted run resumes there.
set -euo pipefail
state=$1
total=$2
chunk=${3:-20000}
lab=${LAB:-.build/release/neardup-lab}
work="$state.files"
mkdir -p "$state" "$work"
start=$(cat "$state/filled-to" 2>/dev/null || echo 0)

generate() {  # generate START: files START ..< START + CHUNK (capped at COUNT) into $work/START
    local from=$1 count=$(( total - $1 < chunk ? total - $1 : chunk ))
    local seeds=()
    if [ "$from" -eq 0 ]; then seeds=(--seeds-dir seeds); fi
    rm -rf "$work/$from"
    python3 bench/gen_corpus.py --out "$work/$from" --count "$count" --start "$from" "${seeds[@]}" >/dev/null
}

if [ "$start" -lt "$total" ]; then generate "$start"; fi
while [ "$start" -lt "$total" ]; do
    next=$(( start + chunk ))
    pid=""
    if [ "$next" -lt "$total" ]; then generate "$next" & pid=$!; fi
    "$lab" fill "$state" "$work/$start"
    rm -rf "${work:?}/$start"
    echo "$next" > "$state/filled-to"
    if [ -n "$pid" ]; then wait "$pid"; fi
    start=$next
done
rmdir "$work" 2>/dev/null || true
