#!/usr/bin/env python3
"""`make bench`: corpusd's speed, latency, memory and scale, side by side with a Python peer and the floor.

Runs the real release binaries on generated corpora and writes the results into BENCHMARKS.md between
the `bench:begin` / `bench:end` markers (the rest of the file is prose kept by hand). Waits on
conditions (queue rows, READY=1), never on fixed sleeps; the only clocks read are the ones measured.

The machine is shared, so every figure is given as wall time and as CPU time (user + system, from
wait4 or /proc/PID/stat) — CPU time is what stays comparable when other work competes for the cores.
"""
import argparse, datetime, json, os, platform, shutil, signal, socket, sqlite3, statistics, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TICK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(f"[bench {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


def timed(cmd, stdout=subprocess.PIPE, env=None, cwd=None):
    """Runs cmd; returns (wall s, cpu s, max RSS KiB, stdout text)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env, cwd=cwd)
    out = b""
    if stdout == subprocess.PIPE:
        out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out.decode(errors="replace")


def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_of(pid):
    figures = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                figures[line.split(":")[0]] = int(line.split()[1])
    return figures


def wait_until(predicate, timeout, what, interval=0.005):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Daemon:
    """corpusd on a state folder, started with a NOTIFY_SOCKET this driver owns."""

    def __init__(self, bin_dir, state, extra=()):
        self.bin_dir, self.state, self.extra = bin_dir, state, list(extra)
        self.proc = None

    def start(self, timeout=600):
        sock_path = os.path.join(self.state, "bench-notify.sock")
        if os.path.exists(sock_path):
            os.unlink(sock_path)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(sock_path)
        # Read the socket for the daemon's whole life, as systemd does: sd_notify blocks on a full socket.
        self.ready_event = threading.Event()
        threading.Thread(target=self._read_notifications, daemon=True).start()
        env = dict(os.environ, NOTIFY_SOCKET=sock_path)
        self.log = open(os.path.join(self.state, "corpusd.log"), "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([os.path.join(self.bin_dir, "corpusd"), "--state-dir", self.state] + self.extra,
                                     stdout=self.log, stderr=self.log, env=env)
        deadline = self.started + timeout
        while not self.ready_event.wait(0.05):
            if self.proc.poll() is not None:
                raise RuntimeError(f"corpusd exited {self.proc.returncode} before READY=1; see {self.state}/corpusd.log")
            if time.monotonic() > deadline:
                raise TimeoutError("corpusd did not send READY=1")
        self.ready = self.ready_at - self.started
        return self.ready

    def _read_notifications(self):
        while True:
            try:
                message = self.notify.recv(4096).decode(errors="replace")
            except OSError:
                return
            if "READY=1" in message.split("\n") and not self.ready_event.is_set():
                self.ready_at = time.monotonic()
                self.ready_event.set()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(self.proc.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.notify.shutdown(socket.SHUT_RDWR)
        self.notify.close()
        self.log.close()
        if code != 0:
            raise RuntimeError(f"corpusd exited {code}")
        return {"cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_kib": usage.ru_maxrss}


class Queue:
    """Read-only looks at the daemon's queue, cheap enough to poll (index lookups only)."""

    def __init__(self, db_path):
        self.db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None)

    def items(self):
        return self.db.execute("SELECT COALESCE(MAX(id), 0) FROM item").fetchone()[0]

    def open_items(self):
        return self.db.execute("SELECT COUNT(*) FROM item WHERE state IN ('pending','processing')").fetchone()[0]

    def done(self, expected):
        return self.items() >= expected and self.open_items() == 0

    def newest(self):
        return self.db.execute("SELECT id, state FROM item ORDER BY id DESC LIMIT 1").fetchone()

    def outcomes(self):
        rows = self.db.execute("SELECT state, COALESCE(duplicate_kind, ''), COUNT(*) FROM item GROUP BY 1, 2").fetchall()
        return {f"{s}{'/' + k if k else ''}": n for s, k, n in rows}


def generate(out, start, count, seeds=False, staging=None):
    cmd = [sys.executable, os.path.join(HERE, "gen_corpus.py"), "--out", out, "--start", str(start), "--count", str(count)]
    if seeds:
        cmd += ["--seeds-dir", os.path.join(REPO, "seeds")]
    if staging:
        cmd += ["--staging", staging]
    wall, cpu, _, out_text = timed(cmd)
    return json.loads(out_text), wall


def drop_folders(corpus, names, inbox, work):
    """Hard-links corpus folders into a staging folder, then renames each into the inbox (a drop)."""
    staging = os.path.join(work, "staging")
    os.makedirs(staging, exist_ok=True)
    for name in names:
        src = os.path.join(corpus, name)
        if os.path.isdir(src):
            subprocess.run(["cp", "-al", src, os.path.join(staging, name)], check=True)
        else:
            os.link(src, os.path.join(staging, name))
    start = time.monotonic()
    for name in names:
        os.rename(os.path.join(staging, name), os.path.join(inbox, name))
    return start


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def machine():
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    keep = ("Architecture", "Model name", "CPU(s):", "Thread(s) per core", "L2 cache", "L3 cache", "Hypervisor")
    mem = subprocess.run(["free", "-m"], capture_output=True, text=True).stdout
    return {
        "lscpu": "\n".join(l for l in lscpu.splitlines() if l.startswith(keep)),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "memory": mem.strip(),
        "kernel": platform.release(),
        "load_at_start": os.getloadavg(),
        "git": subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "sqlite": sqlite3.sqlite_version,
    }


def ingest_tier(daemon, queue, expected_total, start_cpu, started):
    wait_until(lambda: queue.done(expected_total), 24 * 3600, f"{expected_total} items with outcomes", interval=0.05)
    wall = time.monotonic() - started
    return wall, cpu_of(daemon.proc.pid) - start_cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.path.join(REPO, ".build", "release"))
    ap.add_argument("--work", default=os.path.join(REPO, ".build", "bench"))
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--peer-python", default=sys.executable)
    ap.add_argument("--peer-max", type=int, default=10000, help="largest tier the Python peer runs on")
    ap.add_argument("--floor-max", type=int, default=10000,
                    help="largest tier generated ahead (the floor runs on those); larger tiers are streamed into the inbox")
    ap.add_argument("--latency-samples", type=int, default=200)
    ap.add_argument("--poll-samples", type=int, default=30)
    ap.add_argument("--startup-files", type=int, default=10000)
    ap.add_argument("--budget", type=float, default=840,
                    help="seconds for the throughput tiers: the streamed tier stops where the budget ends, and says so")
    ap.add_argument("--results", default=None)
    ap.add_argument("--markdown", default=os.path.join(REPO, "BENCHMARKS.md"))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {"machine": machine(), "command": " ".join(sys.argv), "tiers": [], "sizes": sizes}
    bench_started = time.monotonic()
    path = args.results or os.path.join(args.work, "results.json")

    def save():
        with open(path, "w") as f:
            json.dump({k: v for k, v in results.items() if not k.startswith("_")}, f, indent=1)
        write_markdown(results, args.markdown)
    log("machine", results["machine"]["nproc"], "cpus, load", results["machine"]["load_at_start"])

    shutil.rmtree(args.work, ignore_errors=True)
    corpus = os.path.join(args.work, "corpus")
    state = os.path.join(args.work, "state")
    inbox = os.path.join(state, "inbox")
    os.makedirs(inbox)
    os.makedirs(corpus)
    daemon = Daemon(args.bin_dir, state)
    daemon.start()
    queue = Queue(os.path.join(state, "corpus.sqlite"))
    results["startup_empty_ready_s"] = daemon.ready

    generated = 0
    dropped_files = 0
    for size in sizes:
        count = size - generated
        tier = {"size": size, "new_files": count}
        streamed = size > args.floor_max  # the big tier is written straight into the inbox while ingesting
        if not streamed:
            manifest, gen_wall = generate(corpus, generated, count, seeds=(generated == 0))
            tier["manifest"], tier["generate_wall_s"] = manifest, gen_wall
            files = manifest["files"]
            names = sorted(n for n in os.listdir(corpus) if not os.path.exists(os.path.join(inbox, n))
                           and not n.startswith("."))
            names = [n for n in names if n not in results.get("_dropped", set())]
            results.setdefault("_dropped", set()).update(names)
            # The same files, read by the floor and the peer (whole corpus so far, as corpusd holds it).
            if size <= args.floor_max:
                w, c, _, out = timed([sys.executable, os.path.join(HERE, "floor.py"), corpus, os.path.join(args.work, "floor.sqlite")])
                tier["floor"] = dict(json.loads(out), wall_s=w, cpu_s=c)
                log("floor", size, tier["floor"])
            if size <= args.peer_max:
                w, c, rss, out = timed([args.peer_python, os.path.join(HERE, "peer.py"), corpus, os.path.join(args.work, "peer.sqlite")])
                tier["peer"] = dict(json.loads(out), wall_s=w, cpu_s=c, max_rss_kib=rss)
                log("peer", size, tier["peer"])
            start_cpu = cpu_of(daemon.proc.pid)
            started = drop_folders(corpus, names, inbox, args.work)
            dropped_files += files
            wall, cpu = ingest_tier(daemon, queue, dropped_files, start_cpu, started)
        else:
            # Written in folders of 1000 straight into the inbox (renamed in), 10 000 at a time, while the
            # daemon ingests; the generator shares the cores, so wall time here is a lower bound on speed.
            staging = os.path.join(args.work, "staging")
            start_cpu = cpu_of(daemon.proc.pid)
            started = time.monotonic()
            manifest = {}
            windows = []
            chunk = 10000
            at = generated
            while at < size:
                if time.monotonic() - bench_started > args.budget:
                    tier["stopped_by_budget"] = {"reached": at, "budget_s": args.budget}
                    log("budget spent: the streamed tier stops at", at, "documents")
                    break
                n = min(chunk, size - at)
                part, _ = generate(inbox, at, n, staging=staging)
                for k, v in part.items():
                    manifest[k] = manifest.get(k, 0) + v
                at += n
                dropped_files += n
                # Keep at most ~3 chunks waiting, so the inbox stays a realistic size.
                wait_until(lambda: queue.items() >= dropped_files - 3 * chunk and queue.open_items() < 3 * chunk,
                           24 * 3600, "the queue to drain", interval=0.1)
                windows.append((at, time.monotonic() - started, cpu_of(daemon.proc.pid) - start_cpu))
                if at % 100000 == 0:
                    log("streamed", at, "dropped; corpusd cpu so far", round(windows[-1][2], 1), "s")
            tier["manifest"] = manifest
            files = manifest.get("files", 0)
            if files == 0:
                results["tiers_left_out"] = [s_ for s_ in sizes if s_ >= size]
                break
            size = at
            wall, cpu = ingest_tier(daemon, queue, dropped_files, start_cpu, started)
            tier["streamed"] = True
        generated = size
        tier["size"] = size
        tier["corpusd"] = {"wall_s": wall, "cpu_s": cpu, "docs_per_s": files / wall, "cpu_us_per_doc": cpu / files * 1e6,
                           "rss": rss_of(daemon.proc.pid)}
        tier["outcomes"] = queue.outcomes()
        tier["load"] = os.getloadavg()
        log("corpusd", size, tier["corpusd"], tier["outcomes"])
        results["tiers"].append(tier)
        save()
        if time.monotonic() - bench_started > args.budget and size != sizes[-1]:
            log("budget spent after the", size, "tier; larger tiers are left out")
            results["tiers_left_out"] = [s_ for s_ in sizes if s_ > size]
            break
    results.pop("_dropped", None)
    total_files = dropped_files

    # Latency: one file at a time, renamed into the idle inbox, until its outcome is recorded.
    def latency(samples, label, first_index):
        staging = os.path.join(args.work, "lat-staging")
        os.makedirs(staging, exist_ok=True)
        generate(staging, first_index, samples)
        paths = []
        for folder in sorted(os.listdir(staging)):
            for name in sorted(os.listdir(os.path.join(staging, folder))):
                paths.append(os.path.join(staging, folder, name))
        times = []
        for path in paths:
            before = queue.items()
            target = os.path.join(inbox, f"lat-{label}-{os.path.basename(path)}")
            t0 = time.monotonic()
            os.rename(path, target)
            wait_until(lambda: (lambda row: row and row[0] > before and row[1] in ("stored", "duplicate", "failed"))(queue.newest()),
                       120, f"{target} to be recorded", interval=0.002)
            times.append((time.monotonic() - t0) * 1000)
        shutil.rmtree(staging)
        return {"samples": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                "p99_ms": percentile(times, 99), "max_ms": max(times)}

    next_index = 10_000_000
    results["latency_inotify"] = latency(args.latency_samples, "inotify", next_index)
    next_index += 100000
    total_files += args.latency_samples
    log("latency inotify", results["latency_inotify"])
    save()

    # Queries, database size and memory at the largest size.
    ctl = os.path.join(args.bin_dir, "corpusctl")
    help_text = subprocess.run([ctl, "--help"], capture_output=True, text=True).stdout
    queries = {"status": ["status", "--json"], "list --tag china --limit 50": ["list", "--tag", "china", "--limit", "50"],
               "list --tag sport --limit 50": ["list", "--tag", "sport", "--limit", "50"]}
    if " search" in help_text:
        queries["search (common: officials)"] = ["search", "officials", "--limit", "50"]
        queries["search (rare: one case number)"] = ["search", "9999991", "--limit", "50"]
    results["queries"] = {}
    for label, argv in queries.items():
        walls = []
        for _ in range(7):
            w, c, rss, _ = timed([ctl] + argv + ["--state-dir", state])
            walls.append(w * 1000)
        results["queries"][label] = {"median_ms": statistics.median(walls), "max_ms": max(walls), "max_rss_kib": rss}
    log("queries", results["queries"])
    w, c, rss, out = timed([ctl, "list", "--json", "--limit", str(10 ** 7), "--state-dir", state], stdout=subprocess.DEVNULL)
    results["ctl_list_all"] = {"wall_s": w, "cpu_s": c, "max_rss_kib": rss}
    if " export" in help_text:
        w, c, rss, _ = timed([ctl, "export", "--state-dir", state], stdout=subprocess.DEVNULL)
        results["ctl_export"] = {"wall_s": w, "cpu_s": c, "max_rss_kib": rss}
    docs = queue.db.execute("SELECT COUNT(*) FROM document").fetchone()[0]
    db_bytes = sum(os.path.getsize(os.path.join(state, f)) for f in os.listdir(state) if f.startswith("corpus.sqlite"))
    results["database"] = {"documents": docs, "items": queue.items(), "bytes": db_bytes, "bytes_per_document": db_bytes / max(1, docs),
                           "input_bytes": sum(t["manifest"]["bytes"] for t in results["tiers"])}
    results["corpusd_ingest"] = daemon.stop()
    log("corpusd life", results["corpusd_ingest"])
    save()

    # Polling only.
    poller = Daemon(args.bin_dir, state, ["--no-inotify"])
    poller.start()
    results["latency_poll"] = latency(args.poll_samples, "poll", next_index)
    next_index += 100000
    total_files += args.poll_samples
    poller.stop()
    log("latency poll", results["latency_poll"])

    # Start-up with the corpus stored and files waiting.
    generate(inbox, next_index, args.startup_files)
    total_files += args.startup_files
    starter = Daemon(args.bin_dir, state)
    t0 = time.monotonic()
    ready = starter.start()
    wait_until(lambda: queue.done(total_files), 3600, "the start-up backlog", interval=0.02)
    results["startup"] = {"stored_documents": docs, "waiting": args.startup_files, "ready_s": ready,
                          "empty_queue_s": time.monotonic() - t0}
    results["startup"]["corpusd"] = starter.stop()
    log("startup", results["startup"])
    results["load_at_end"] = os.getloadavg()
    save()
    log("wrote", args.markdown, "and", path)


def write_markdown(r, path):
    import render
    text = render.render(r)
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    old = open(path).read() if os.path.exists(path) else f"# Benchmarks\n\n{begin}\n{end}\n"
    if begin not in old:
        old += f"\n{begin}\n{end}\n"
    head, rest = old.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(head + begin + "\n" + text + "\n" + end + tail)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
