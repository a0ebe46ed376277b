#!/usr/bin/env python3
"""`make bench-profile`: the release corpusd under `perf record` (cpu-clock samples, frame-pointer call
graphs) while it ingests a generated corpus, then the functions that cost the most, self and inclusive.

valgrind's callgrind would count instructions more repeatably, but valgrind 3.19 (Debian 12) cannot read
Swift 6's DWARF 5 and, with the debug info stripped, dies of a fatal signal inside the daemon's signal
handling (rt_sigsuspend), so perf it is.

    python3 bench/profile.py [--files 2000] [--jsonl PER_DUMP] [--bin-dir .build/release] [--out .build/profile]

With --jsonl PER_DUMP the documents come as JSON Lines dumps of PER_DUMP entries each (no seeds).
"""
import argparse, os, shutil, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench as rb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--bin-dir", default=os.path.join(rb.REPO, ".build", "release"))
    ap.add_argument("--out", default=os.path.join(rb.REPO, ".build", "profile"))
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--jsonl", type=int, default=0, metavar="PER_DUMP", help="JSON Lines dumps of PER_DUMP entries each")
    args = ap.parse_args()
    # Absolute: the daemon's NOTIFY_SOCKET must be an absolute path.
    args.out = os.path.abspath(args.out)
    args.bin_dir = os.path.abspath(args.bin_dir)
    shutil.rmtree(args.out, ignore_errors=True)
    state = os.path.join(args.out, "state")
    inbox = os.path.join(state, "inbox")
    os.makedirs(inbox)
    if args.jsonl:
        # Written beside the inbox and renamed in whole, as a dump arrives.
        staging = os.path.join(args.out, "staging")
        manifest = rb.gen_corpus.generate(staging, 0, args.files, "jsonl", per_file=args.jsonl)
        for name in sorted(os.listdir(staging)):
            os.rename(os.path.join(staging, name), os.path.join(inbox, name))
        expected = manifest["files"] + manifest["documents"]
    else:
        manifest, _ = rb.generate(inbox, 0, args.files, seeds=True)
        expected = manifest["files"]
    out_file = os.path.join(args.out, "perf.data")
    daemon = rb.Daemon("", state)
    wrapper = os.path.join(args.out, "corpusd")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec perf record -q -e cpu-clock -F 1999 -g -o {out_file} {os.path.join(args.bin_dir, 'corpusd')} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    daemon.bin_dir = args.out
    t0 = time.monotonic()
    daemon.start(timeout=1800)
    queue = rb.Queue(os.path.join(state, "corpus.sqlite"))
    rb.wait_until(lambda: queue.done(expected), 7200, "the corpus to be ingested", interval=0.5)
    try:
        daemon.stop()
    except RuntimeError:
        pass  # perf record ends by the SIGTERM it passes on, after writing its data
    rb.log(f"ingested {manifest['files']} files under perf in {time.monotonic() - t0:.0f} s; outcomes {queue.outcomes()}")
    for flags in (["--no-children"], ["--children"]):
        text = subprocess.run(["perf", "report", "-i", out_file, "--stdio", "--sort", "symbol", "-g", "none",
                               "--percent-limit", "0.7", *flags], capture_output=True, text=True).stdout
        if shutil.which("swift"):
            text = subprocess.run(["swift", "demangle", "--simplified"], input=text, capture_output=True, text=True).stdout
        samples = next((l for l in text.splitlines() if l.startswith("# Samples")), "")
        print(samples, f"(at 1999 Hz: CPU seconds ≈ samples / 1999; documents: {manifest['documents']}, files: {manifest['files']})")
        print("\n".join(l[:200] for l in text.splitlines() if l and not l.startswith("#"))[:20000])
        print()


if __name__ == "__main__":
    main()
