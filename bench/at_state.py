#!/usr/bin/env python3
"""Queries, listing, export and start-up measured on a state folder that already holds a large corpus: what
`make bench` measures at the largest size it reaches, for a corpus grown beyond it (issue #8 asks for them at
1 M documents, more than the 20-minute bench ingests on two cores).

    python3 bench/at_state.py --state STATE [--bin-dir .build/release] [--reached N] [--out FILE.json]

STATE is a corpusd state folder grown from `make bench`'s corpus (its database holds the generated documents
0 ..< N; --reached N, default the number of items, picks the rare search term as make bench does). No corpusd
may be running on it. Start-up first: 10,000 generated single files (make bench's start-up set, from its cache;
the next million's when the state holds that set already) are put into the inbox, corpusd is started with a NOTIFY_SOCKET this script reads, and the time to READY=1 and
to an empty queue is measured (the files stay ingested: the state grows by them); then, with that daemon idle,
as `make bench` has it, the queries, listing and export. Prints the figures as JSON.
"""
import os, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402
import run_bench as rb  # noqa: E402


def main():
    ap = rb.state_driver_options()
    ap.add_argument("--reached", type=int, default=0)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--startup-files", type=int, default=10_000)
    ap.add_argument("--listing-timeout", type=float, default=300)
    args = ap.parse_args()
    state = os.path.abspath(args.state)
    db_path = os.path.join(state, "corpus.sqlite")
    ctl = os.path.join(args.bin_dir, "corpusctl")
    queue = rb.Queue(db_path)
    docs = queue.documents()
    items = queue.items()
    reached = args.reached or items
    results = {"state": state, "documents": docs, "items": items}

    # Start-up with the corpus stored and files waiting; then, with that daemon idle (as in make bench), the queries.
    cache = rb.Cache(os.path.join(rb.REPO, ".build", "bench"), args.seed, os.cpu_count() or 2)
    # A set the state has not seen: a state grown from make bench's has its start-up set already, and the same files
    # again would be exact copies, far cheaper than new documents.
    start = 20_000_000
    while True:
        startup_dir, manifest = cache.files("startup", start, args.startup_files)
        first = sorted(os.path.relpath(os.path.join(d, f), startup_dir) for d, _, fs in os.walk(startup_dir) for f in fs)[0]
        if queue.db.execute("SELECT 1 FROM item WHERE name = ?", (first,)).fetchone() is None:
            break
        rb.log("start-up set", {"start": start, "already in the state": first})
        start += 1_000_000
    results["startup_set_start"] = start
    staging = os.path.join(os.path.dirname(state), os.path.basename(state) + ".staging")
    inbox = os.path.join(state, "inbox")
    os.makedirs(inbox, exist_ok=True)
    names = rb.link_tree(startup_dir, staging)
    for name in names:
        os.rename(os.path.join(staging, name), os.path.join(inbox, name))
    expected = items + manifest["files"]
    daemon = rb.Daemon(args.bin_dir, state)
    t0 = time.monotonic()
    ready = daemon.start(timeout=600)
    ok = rb.wait_for(lambda: queue.done(expected), time.monotonic() + 900, 0.02)
    empty = time.monotonic() - t0 if ok else None
    results["startup"] = {"stored_documents": docs, "waiting": manifest["files"], "ready_s": ready, "empty_queue_s": empty}
    rb.log("start-up", results["startup"])

    rare = rb.rare_reference(gen_corpus.Corpus(args.seed, pool=False), reached)
    results["queries"] = dict(rb.measure_queries(ctl, state, rare, args.runs, 30, 120), documents=queue.documents())
    rb.log("queries", results["queries"])
    for label, argv in (("list_all", ["list", "--json", "--limit", str(10 ** 8)]), ("export", ["export", "--format", "jsonl"])):
        r, _ = rb.run_measured([ctl] + argv + ["--state-dir", state], args.listing_timeout)
        results[label] = r
        rb.log(label, r)
    results["corpusd"] = daemon.stop()
    db_bytes = sum(os.path.getsize(os.path.join(state, f)) for f in os.listdir(state) if f.startswith("corpus.sqlite"))
    results["database"] = {"documents": queue.documents(), "bytes": db_bytes, "bytes_per_document": db_bytes / max(1, queue.documents())}
    rb.emit(results, args.out)


if __name__ == "__main__":
    main()
