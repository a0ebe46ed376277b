#!/usr/bin/env python3
"""One corpusd life from an empty state folder to 1 M documents: issue #8's memory target ("peak RSS while ingesting
1 M documents"), which `make bench` cannot reach in its 20 minutes on two cores.

    python3 bench/life.py --state STATE [--bin-dir .build/release] [--documents 1000000] [--out FILE.json]

STATE is made empty. corpusd starts on it (with a NOTIFY_SOCKET this script reads); make bench's first tier (10,000
single files and the seeds) is dropped as one folder and ingested; then every JSON Lines dump up to --documents
(make bench's cached dumps of 5,000, generated where missing) is dropped at once — the worst case for memory: one
claim takes many dumps. The daemon's RSS and CPU are read from /proc every 2 s for its whole life; at the end it is
stopped and its high-water mark (VmHWM) read. Then `bench/at_state.py` measures the queries and start-up on the
state it leaves (`make bench-life` runs both). About 30 minutes on this machine. Prints the figures as JSON.
"""
import os, shutil, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_bench as rb  # noqa: E402


def main():
    ap = rb.state_driver_options()
    ap.add_argument("--documents", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--per-dump", type=int, default=5_000)
    args = ap.parse_args()
    state = os.path.abspath(args.state)
    shutil.rmtree(state, ignore_errors=True)
    inbox = os.path.join(state, "inbox")
    os.makedirs(inbox)
    work = state + ".work"  # drop_folders stages there (the inbox's file system)

    cache = rb.Cache(os.path.join(rb.REPO, ".build", "bench"), args.seed, os.cpu_count() or 2)
    files_dir, files_manifest = cache.files("files", 0, args.files, seeds=True)
    pieces = [(s, min(args.documents, s + args.per_dump) - s) for s in range(args.files, args.documents, args.per_dump)]
    dumps = cache.dumps(pieces, float("inf"))

    origin = time.monotonic()
    daemon = rb.Daemon(args.bin_dir, state, origin=origin)
    ready = daemon.start()
    queue = rb.Queue(os.path.join(state, "corpus.sqlite"))
    phases = {"ready_s": ready}

    def wait(expected, label):
        t0 = time.monotonic()
        rb.wait_until(lambda: queue.done(expected), 24 * 3600, f"{expected:,} items with outcomes", interval=1)
        figures = rb.proc_figures(daemon.pid)
        phases[label] = {"wall_s": time.monotonic() - t0, "at_s": time.monotonic() - origin, "items": queue.items(),
                         "documents": queue.documents(), "cpu_s": figures[0], "hwm_kib": figures[2]}
        rb.log(label, phases[label])

    rb.drop_folders(os.path.dirname(files_dir), [os.path.basename(files_dir)], inbox, work)
    wait(files_manifest["files"], "files")
    items_before = queue.items()
    entries = sum(m["documents"] for _, m in dumps)
    rb.drop_folders(os.path.join(cache.dir, "jsonl"), [os.path.basename(p) for p, _ in dumps], inbox, work)
    wait(items_before + len(dumps) + entries, "dumps")
    shutil.rmtree(work, ignore_errors=True)

    outcomes = queue.outcomes()
    documents = queue.documents()
    stopped = daemon.stop()
    samples = daemon.sampler.samples  # (s since origin, cpu s, VmRSS KiB, VmHWM KiB)
    along = {}
    for share in (0.1, 0.25, 0.5, 0.75, 0.95):
        at, cpu, rss, hwm = samples[int(share * (len(samples) - 1))]
        along[f"{int(share * 100)}%"] = {"at_s": round(at, 1), "rss_kib": rss, "hwm_kib": hwm}
    with open(os.path.join(state, "corpusd.log"), errors="replace") as log:
        trainings = sum("tag model trained" in line for line in log)
    results = {"state": state, "machine": rb.machine(args.bin_dir), "items": sum(outcomes.values()), "documents": documents,
               "outcomes": outcomes, "dumps": len(dumps), "entries": entries, "files": files_manifest["files"],
               "phases": phases, "corpusd": stopped, "rss_along_the_life": along, "tag_model_trainings": trainings}
    rb.emit(results, args.out)


if __name__ == "__main__":
    main()
