#!/usr/bin/env python3
"""Ingest speed on a state folder that already holds a large corpus: the next `--dumps` of `make bench`'s JSON Lines
dumps (5,000 entries each) that the state has not seen are dropped into a corpusd started on it, and the time until
every entry has an outcome is measured — wall and CPU seconds, entries per second, CPU µs per entry, read and write
calls and bytes per entry (/proc/PID/io), the outcomes, and where corpusd's threads spent the wall time. BENCHMARKS.md's A/B at 850–900 k documents ("The writer's core and
statements") is this, binaries alternated with --bin-dir.

    python3 bench/at_scale.py --state STATE [--dumps 4] [--bin-dir .build/release] [--out FILE.json]

STATE is a state folder grown from `make bench`'s corpus (`make bench`'s own, or `make bench-life`'s); no corpusd may
be running on it. The dumps stay ingested: the state grows by them, and the next run takes the dumps after them.
The figures include what corpusd does once at its start on a large state (filling its filter of band keys, ~3 s of
CPU at 850 k documents, beside the ingest), the same for every binary compared.
"""
import collections, os, re, shutil, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ingest_wall  # noqa: E402
import run_bench as rb  # noqa: E402

PER_DUMP = 5000
# make bench's first JSON Lines dump starts after its first tier of single files.
FIRST_DUMP = 10_000


def io_of(pid):
    """corpusd's I/O counters from /proc (read and write calls, bytes), all threads."""
    with open(f"/proc/{pid}/io") as f:
        return {name: int(value) for name, value in (line.split(": ") for line in f)}


def next_dumps(queue, count):
    """(start, count) of the `count` dumps after the newest one the state holds."""
    newest = FIRST_DUMP - PER_DUMP
    for (path,) in queue.db.execute("SELECT CAST(path AS TEXT) FROM item WHERE parent_id IS NULL AND CAST(path AS TEXT) LIKE 'd%.jsonl'"):
        m = re.fullmatch(r"d(\d+)\+(\d+)\.jsonl", os.path.basename(path))
        if m:
            newest = max(newest, int(m.group(1)))
    return [(newest + PER_DUMP * (i + 1), PER_DUMP) for i in range(count)]


def main():
    ap = rb.state_driver_options()
    ap.add_argument("--dumps", type=int, default=4)
    args = ap.parse_args()
    state = os.path.abspath(args.state)
    queue = rb.Queue(os.path.join(state, "corpus.sqlite"))
    cache = rb.Cache(os.path.join(rb.REPO, ".build", "bench"), args.seed, os.cpu_count() or 2)
    pieces = next_dumps(queue, args.dumps)
    dumps = cache.dumps(pieces, float("inf"))
    entries = sum(manifest["documents"] for _, manifest in dumps)
    results = {"state": state, "documents_before": queue.documents(), "dumps": [os.path.basename(p) for p, _ in dumps],
               "entries": entries}

    daemon = rb.Daemon(args.bin_dir, state)
    daemon.start(timeout=600)
    before = queue.items()
    cpu_before = rb.cpu_of(daemon.proc.pid)
    io_before = io_of(daemon.proc.pid)
    counts = collections.Counter()
    stop = threading.Event()
    sampler = threading.Thread(target=ingest_wall.thread_states, args=(daemon.proc.pid, stop, counts), daemon=True)
    sampler.start()
    inbox = os.path.join(state, "inbox")
    work = state + ".work"  # drop_folders stages there (the inbox's file system)
    started = rb.drop_folders(os.path.join(cache.dir, "jsonl"), results["dumps"], inbox, work)
    # A dump is one item and each of its entries another.
    rb.wait_until(lambda: queue.done(before + len(dumps) + entries), 24 * 3600, "every entry to have an outcome", interval=0.1)
    wall, cpu = time.monotonic() - started, rb.cpu_of(daemon.proc.pid) - cpu_before
    io_after = io_of(daemon.proc.pid)
    stop.set()
    sampler.join()
    shutil.rmtree(work, ignore_errors=True)
    results.update(wall_s=round(wall, 2), cpu_s=round(cpu, 2), entries_per_s=round(entries / wall, 1),
                   cpu_us_per_entry=round(cpu / entries * 1e6), outcomes=queue.outcomes(after_id=before))
    # Read and write calls (pread and pwrite of pages, cached or not) and the bytes through them.
    results["io_per_entry"] = {name: round((io_after[name] - io_before[name]) / entries, 1)
                               for name in ("syscr", "rchar", "syscw", "wchar")}
    results["thread_samples_20ms"] = {f"{name} {where}": n for (name, where), n in counts.most_common(12)}
    results["corpusd"] = daemon.stop()
    rb.emit(results, args.out)


if __name__ == "__main__":
    main()
