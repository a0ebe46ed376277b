#!/usr/bin/env python3
"""One throughput measurement, as `make bench`'s 10 k tier takes it, without the rest of the bench: an idle
corpusd on a fresh state folder, a generated corpus dropped as folders renamed into its inbox (hard links),
then the time until every file has an outcome — wall seconds, corpusd's CPU seconds (user + system) and
the load average, corpusd's peak RSS (VmHWM), plus where corpusd's threads spent the wall time (sampled from /proc: running, or
sleeping in which kernel function).

    python3 bench/ingest_wall.py [--files 10000] [--jsonl PER_DUMP] [--bin-dir .build/release] [--work .build/ingest-wall]

The corpus is kept in WORK/corpus between runs of the same size and shape, so repeated runs read the same files.
With --jsonl PER_DUMP the documents come as JSON Lines dumps of PER_DUMP entries each (as `make bench`'s larger
tiers drop them; no seeds): every entry is an item of its own, and the per-document figures count entries.
"""
import argparse, collections, json, os, shutil, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench as rb


def thread_states(pid, stop, counts):
    """Every 20 ms: each corpusd thread's state and, when asleep, the kernel function it waits in."""
    while not stop.is_set():
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                try:
                    with open(f"/proc/{pid}/task/{tid}/stat") as f:
                        stat = f.read()
                    name = stat[stat.index("(") + 1:stat.rindex(")")]
                    state = stat.rsplit(")", 1)[1].split()[0]
                    where = state
                    if state != "R":
                        with open(f"/proc/{pid}/task/{tid}/wchan") as f:
                            where = f"{state}:{f.read().strip() or '?'}"
                    counts[(name, where)] += 1
                except OSError:
                    pass
        except OSError:
            return
        time.sleep(0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--bin-dir", default=os.path.join(rb.REPO, ".build", "release"))
    ap.add_argument("--work", default=os.path.join(rb.REPO, ".build", "ingest-wall"))
    ap.add_argument("--extra", default="", help="more corpusd arguments, space separated")
    ap.add_argument("--jsonl", type=int, default=0, metavar="PER_DUMP", help="JSON Lines dumps of PER_DUMP entries each")
    args = ap.parse_args()
    # Absolute: the daemon's NOTIFY_SOCKET must be an absolute path.
    args.work = os.path.abspath(args.work)
    args.bin_dir = os.path.abspath(args.bin_dir)
    corpus = os.path.join(args.work, "corpus")
    manifest_path = os.path.join(args.work, "manifest.json")
    manifest = None
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        if manifest.get("count") != args.files or manifest.get("jsonl", 0) != args.jsonl:
            manifest = None
    if manifest is None:
        shutil.rmtree(corpus, ignore_errors=True)
        os.makedirs(corpus)
        if args.jsonl:
            manifest = rb.gen_corpus.generate(corpus, 0, args.files, "jsonl", per_file=args.jsonl)
        else:
            manifest, _ = rb.generate(corpus, 0, args.files, seeds=True)
        manifest["count"] = args.files
        manifest["jsonl"] = args.jsonl
        with open(manifest_path, "w") as f:
            json.dump(manifest, f)
    state = os.path.join(args.work, "state")
    shutil.rmtree(state, ignore_errors=True)
    inbox = os.path.join(state, "inbox")
    os.makedirs(inbox)
    daemon = rb.Daemon(args.bin_dir, state, extra=args.extra.split())
    daemon.start()
    try:
        measure(args, daemon, state, inbox, corpus, manifest)
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()  # never leave a daemon behind on the state folder (the next run's inbox)


def measure(args, daemon, state, inbox, corpus, manifest):
    queue = rb.Queue(os.path.join(state, "corpus.sqlite"))
    load_before = os.getloadavg()
    counts = collections.Counter()
    stop = threading.Event()
    sampler = threading.Thread(target=thread_states, args=(daemon.proc.pid, stop, counts), daemon=True)
    start_cpu = rb.cpu_of(daemon.proc.pid)
    sampler.start()
    # As `make bench` drops its first tier: hard links staged on the inbox's file system, each folder renamed in.
    staged = rb.link_tree(corpus, os.path.join(state, "staging"))
    started = time.monotonic()
    for name in staged:
        os.rename(os.path.join(state, "staging", name), os.path.join(inbox, name))
    # A dump is one item and each of its entries another.
    expected = manifest["files"] + (manifest["documents"] if args.jsonl else 0)
    rb.wait_until(lambda: queue.done(expected), 24 * 3600, "every file to have an outcome", interval=0.05)
    wall, cpu = time.monotonic() - started, rb.cpu_of(daemon.proc.pid) - start_cpu
    stop.set()
    sampler.join()
    outcomes = queue.outcomes()
    with open(f"/proc/{daemon.proc.pid}/status") as f:
        hwm_kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    daemon.stop()
    files = manifest["documents"] if args.jsonl else manifest["files"]
    result = {
        "shape": f"jsonl ({args.jsonl} per dump, {manifest['files']} dumps)" if args.jsonl else "files",
        "files": files, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "files_per_s_wall": round(files / wall, 1), "files_per_cpu_s": round(files / cpu, 1),
        "cpu_us_per_file": round(cpu / files * 1e6), "peak_rss_mib": round(hwm_kib / 1024, 1), "load_before": load_before, "load_after": os.getloadavg(),
        "outcomes": outcomes,
    }
    print(json.dumps(result, indent=1))
    total = sum(counts.values())
    threads = collections.Counter()
    for (name, _), n in counts.items():
        threads[name] += n
    print("thread samples (20 ms), by thread then state / kernel wait:")
    for name, n in threads.most_common():
        print(f"  {name}: {n}")
        for (tname, where), m in sorted(counts.items(), key=lambda kv: -kv[1]):
            if tname == name and m >= max(3, n // 50):
                print(f"      {where}: {m}")
    print(f"  (total {total})")


if __name__ == "__main__":
    main()
