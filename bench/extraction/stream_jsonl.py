#!/usr/bin/env python3
"""A 50,000-article JSON Lines dump (and its gzip) dropped into a running corpusd: time to the last
entry's outcome and the daemon's resident memory (VmRSS sampled every 0.5 s while the file is being
ingested; the tag model's retraining that follows a large ingest is not part of it), which shows the
file is streamed, not loaded whole. Stories are the evaluation's, varied per line so that each is a new document.

    python3 bench/extraction/stream_jsonl.py --bin-dir .build/release [--count 50000]
"""
import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from articles import ARTICLES  # noqa: E402


def write_dump(path, count, compress):
    rnd = random.Random(7)
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8") as f:
        for i in range(count):
            a = ARTICLES[i % len(ARTICLES)]
            paragraphs = [t if k != "li" else " ".join(t) for k, t in a["blocks"]]
            rnd.shuffle(paragraphs)
            paragraphs.insert(0, f"Dispatch {i} from the regional desk, filed at {rnd.randint(0, 23)}:{rnd.randint(0, 59):02d}.")
            record = {"title": f"{a['title']} ({i})", "content": "\n".join(paragraphs), "url": f"https://wire.example/{i}",
                      "publishedAt": a["date"], "source": {"name": "Wire Example"}, "author": a["author"], "tags": a["tags"]}
            f.write(json.dumps(record) + "\n")


def rss_kib(pid, field="VmHWM"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def run(bin_dir, count, compress):
    state = tempfile.mkdtemp(prefix="corpusd-stream-")
    inbox = os.path.join(state, "inbox")
    os.makedirs(inbox)
    name = "dump.jsonl.gz" if compress else "dump.jsonl"
    staged = os.path.join(state, name)
    write_dump(staged, count, compress)
    size = os.path.getsize(staged)
    daemon = subprocess.Popen([os.path.join(bin_dir, "corpusd"), "--state-dir", state, "--log-level", "warning"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(state, "corpus.sqlite")) and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        idle_rss = rss_kib(daemon.pid, "VmRSS")
        during = idle_rss
        start = time.time()
        os.rename(staged, os.path.join(inbox, name))
        status = {}
        while time.time() < start + 1800:
            out = subprocess.run([os.path.join(bin_dir, "corpusctl"), "status", "--json", "--state-dir", state],
                                 capture_output=True, text=True).stdout
            status = json.loads(out)
            items = status.get("items", {})
            during = max(during, rss_kib(daemon.pid, "VmRSS"))
            if not os.listdir(inbox) and items.get("pending", 0) == 0 and items.get("processing", 0) == 0:
                break
            time.sleep(0.5)
        elapsed = time.time() - start
        return dict(file=name, bytes=size, seconds=elapsed, rate=count / elapsed, peak_rss_mib=during / 1024,
                    idle_rss_mib=idle_rss / 1024, documents=status.get("documents"), items=status.get("items"))
    finally:
        daemon.kill()
        daemon.wait()
        shutil.rmtree(state, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", default=".build/release")
    parser.add_argument("--count", type=int, default=50_000)
    args = parser.parse_args()
    for compress in (False, True):
        r = run(args.bin_dir, args.count, compress)
        print(f"| {r['file']} | {args.count} | {r['bytes'] / 2**20:.1f} MiB | {r['seconds']:.1f} s | {r['rate']:.0f} | "
              f"{r['idle_rss_mib']:.0f} → {r['peak_rss_mib']:.0f} MiB | {r['documents']} | {json.dumps(r['items'])} |")


if __name__ == "__main__":
    main()
