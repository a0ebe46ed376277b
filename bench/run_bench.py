#!/usr/bin/env python3
"""`make bench`: corpusd's speed, latency, memory and scale, side by side with a Python peer and the floor,
bounded in time.

Runs the real release binaries on generated corpora and writes the results into BENCHMARKS.md between
the `bench:begin` / `bench:end` markers (the rest of the file is prose kept by hand); raw figures go to
<work>/results.json. Waits on conditions (queue rows, READY=1, a process's exit), never on fixed sleeps;
the only clocks read are the ones measured and the budget's.

Phases, each with its own time budget inside --budget (whatever a phase leaves unused goes to the big tiers):
  1. corpora: generated once into <work>/cache/<generator version>/ and reused by later runs;
  2. small: the first tier as single files (corpusd, then the peer and the floor on the same files),
     latency with inotify and with polling only;
  3. big: the larger tiers as JSON Lines dumps (one item per entry), dropped while the daemon keeps up,
     as far as the budget allows — the report says how far it got;
  4. at the largest size reached: latency again, queries, listing and exporting everything, database size;
  5. start-up with that corpus stored and --startup-files files waiting.
corpusd's RSS and CPU are sampled from /proc every 0.5 s over its whole life.

The machine may be shared, so every figure is given as wall time and as CPU time (user + system, from
wait4 or /proc/PID/stat) — CPU time is what stays comparable when other work competes for the cores.
"""
import argparse, datetime, json, multiprocessing, os, platform, shutil, signal, socket, sqlite3, statistics, subprocess, sys, \
    threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TICK = os.sysconf("SC_CLK_TCK")
FINAL = ("stored", "duplicate", "failed")
sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402


def log(*a):
    print(f"[bench {time.strftime('%H:%M:%S')}]", *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- processes

def proc_figures(pid):
    """(cpu s, VmRSS KiB, VmHWM KiB) of a live process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        rss = hwm = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        return (int(fields[11]) + int(fields[12])) / TICK, rss, hwm
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def rss_kinds(pid):
    """(RssAnon, RssFile) KiB of a live process: its own memory, and the pages of files it maps (libraries)."""
    kinds = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssFile:")):
                    kinds[line.split(":")[0]] = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (kinds.get("RssAnon", 0), kinds.get("RssFile", 0)) if kinds else None


def cpu_of(pid):
    figures = proc_figures(pid)
    return figures[0] if figures else 0.0


class Sampler:
    """RSS and CPU of one process from /proc every `interval` seconds, on a thread of its own."""

    def __init__(self, pid, origin, interval=0.5):
        self.pid, self.origin, self.interval = pid, origin, interval
        self.samples = []  # (seconds since origin, cpu s, rss KiB, hwm KiB)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.peak = None  # (seconds since origin, VmRSS, RssAnon, RssFile KiB) at the highest VmRSS sampled
        while True:
            figures = proc_figures(self.pid)
            if figures is None:
                return
            self.samples.append((time.monotonic() - self.origin,) + figures)
            if self.peak is None or figures[1] > self.peak[1]:
                kinds = rss_kinds(self.pid)
                if kinds:
                    self.peak = (time.monotonic() - self.origin, figures[1]) + kinds
            if self.stopped.wait(self.interval):
                return

    def stop(self):
        self.stopped.set()
        self.thread.join()

    def window(self, start, end):
        """Peak sampled VmRSS and last VmHWM between two monotonic times."""
        s, e = start - self.origin, end - self.origin
        inside = [x for x in self.samples if s <= x[0] <= e]
        if not inside:
            return {}
        return {"max_rss_kib": max(x[2] for x in inside), "hwm_kib": inside[-1][3], "samples": len(inside)}


def hwm_of(pid):
    """VmHWM (KiB): the kernel's high-water mark of a live process's resident memory; 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def run_measured(cmd, timeout, stdout=subprocess.DEVNULL, env=None):
    """Runs cmd to its end or until `timeout` s (then kills it). Returns wall s, CPU s (wait4), peak RSS KiB,
    stdout text when piped, and whether it finished.

    Peak RSS is the process's VmHWM read every 2 ms until it exits, not wait4's ru_maxrss: a child spawned
    from this driver inherits the driver's own high-water mark in ru_maxrss (vfork + exec keeps it), which
    would hide anything below the driver's ~50 MB."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    timer = threading.Timer(timeout, lambda: proc.kill())
    timer.start()
    peak = [0]
    exited = threading.Event()

    def watch():
        while not exited.is_set():
            peak[0] = max(peak[0], hwm_of(proc.pid))
            exited.wait(0.002)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out = proc.stdout.read() if stdout == subprocess.PIPE else b""
    err = proc.stderr.read()
    # The last readings before the exit: the process has closed its output, so it is (nearly) done.
    _, status, usage = os.wait4(proc.pid, 0)
    exited.set()
    watcher.join()
    timer.cancel()
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    finished = code == 0
    if code not in (0, -signal.SIGKILL):
        raise RuntimeError(f"{cmd} exited {code}: {err.decode(errors='replace')[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_kib": peak[0],
            "finished": finished, "timeout_s": None if finished else timeout}, out.decode(errors="replace")


def wait_for(predicate, deadline, interval):
    """Polls predicate until it is true (returns True) or the monotonic deadline passes (returns False)."""
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def wait_until(predicate, timeout, what, interval=0.005):
    """wait_for that raises on timeout (kept for bench/profile.py)."""
    if not wait_for(predicate, time.monotonic() + timeout, interval):
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
    return True


class Daemon:
    """corpusd on a state folder, started with a NOTIFY_SOCKET this driver owns; its RSS and CPU sampled."""

    def __init__(self, bin_dir, state, extra=(), origin=None):
        self.bin_dir, self.state, self.extra = bin_dir, state, list(extra)
        self.origin = origin or time.monotonic()
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
        self.sampler = Sampler(self.proc.pid, self.origin)
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

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, timeout=120):
        """SIGTERM, then the exit; returns CPU s (wait4) and peak RSS over the whole life (VmHWM just before
        the SIGTERM, and the samples: wait4's ru_maxrss would include the driver's own, see run_measured)."""
        t0 = time.monotonic()
        hwm = hwm_of(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        timer = threading.Timer(timeout, lambda: self.proc.kill())
        timer.start()
        _, status, usage = os.wait4(self.proc.pid, 0)
        timer.cancel()
        self.sampler.stop()
        code = os.waitstatus_to_exitcode(status)
        self.notify.shutdown(socket.SHUT_RDWR)
        self.notify.close()
        self.log.close()
        if code != 0:
            raise RuntimeError(f"corpusd exited {code} (see {self.state}/corpusd.log)")
        peak = max([hwm] + [x[3] for x in self.sampler.samples])
        figures = {"cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_kib": peak, "stop_s": time.monotonic() - t0,
                   "life_s": time.monotonic() - self.started}
        if self.sampler.peak:
            at, rss, anon, file = self.sampler.peak
            figures["peak_sample"] = {"at_s": round(at, 1), "rss_kib": rss, "anon_kib": anon, "file_kib": file}
        return figures


class Queue:
    """Read-only looks at the daemon's queue, cheap enough to poll (index lookups only)."""

    def __init__(self, db_path):
        self.db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)

    def items(self):
        return self.db.execute("SELECT COALESCE(MAX(id), 0) FROM item").fetchone()[0]

    def open_items(self):
        return self.db.execute("SELECT COUNT(*) FROM item WHERE state IN ('pending','processing')").fetchone()[0]

    def done(self, expected):
        return self.items() >= expected and self.open_items() == 0

    def newest(self):
        return self.db.execute("SELECT id, state FROM item ORDER BY id DESC LIMIT 1").fetchone()

    def container(self, name):
        """(id, state, entry_count) of the newest item for a file at the inbox's top level, or None."""
        return self.db.execute("SELECT id, state, entry_count FROM item WHERE path = ? AND parent_id IS NULL ORDER BY id DESC LIMIT 1",
                               (name.encode(),)).fetchone()

    def final_after(self, item_id):
        """(path,) of the top-level files after an item id whose outcome is recorded."""
        return self.db.execute(f"SELECT path FROM item WHERE id > ? AND parent_id IS NULL AND state IN {FINAL}",
                               (item_id,)).fetchall()

    def entries_recorded(self, container_id):
        return self.db.execute("SELECT COUNT(*) FROM item WHERE parent_id = ?", (container_id,)).fetchone()[0]

    def outcomes(self, after_id=0, entries=None):
        """Outcome counts of the items after an id: files only (entries=False), entries only (True), or all."""
        where = "id > ?" + ("" if entries is None else " AND parent_id IS NOT NULL" if entries else " AND parent_id IS NULL")
        rows = self.db.execute(f"SELECT state, COALESCE(duplicate_kind, ''), COUNT(*) FROM item WHERE {where} GROUP BY 1, 2",
                               (after_id,)).fetchall()
        return {f"{s}{'/' + k if k else ''}": n for s, k, n in rows}

    def documents(self):
        return self.db.execute("SELECT COUNT(*) FROM document").fetchone()[0]


# ---------------------------------------------------------------------------------------------- corpora

class Cache:
    """Generated corpora under <work>/cache/<generator version>-<seed>/, made once and reused. A piece is
    complete when its manifest exists (written last); other versions' caches are removed."""

    def __init__(self, work, seed, jobs):
        self.seed, self.jobs = seed, jobs
        self.key = f"{gen_corpus.version()}-{seed}"
        root = os.path.join(work, "cache")
        os.makedirs(root, exist_ok=True)
        for old in os.listdir(root):
            if old != self.key:
                shutil.rmtree(os.path.join(root, old), ignore_errors=True)
        self.dir = os.path.join(root, self.key)
        os.makedirs(os.path.join(self.dir, "jsonl"), exist_ok=True)
        self.generated_s = 0.0
        self.generated_docs = 0
        self.reused_docs = 0

    def files(self, name, start, count, seeds=False):
        """A folder of single files (sub-folders of 1000); returns (path, manifest)."""
        path = os.path.join(self.dir, f"{name}-{start}-{count}")
        manifest = path + ".json"
        if os.path.exists(manifest):
            self.reused_docs += count
            return path, json.load(open(manifest))
        shutil.rmtree(path, ignore_errors=True)
        t0 = time.monotonic()
        counts = gen_corpus.generate(path, start, count, "files", seed=self.seed,
                                     seeds_dir=os.path.join(REPO, "seeds") if seeds else None)
        self.generated_s += time.monotonic() - t0
        self.generated_docs += count
        json.dump(counts, open(manifest, "w"))
        return path, counts

    def dumps(self, pieces, deadline):
        """JSON Lines dumps for (start, count) pieces, in order, generated in parallel where missing, until the
        deadline. Returns [(path, manifest)] for the leading pieces that exist."""
        folder = os.path.join(self.dir, "jsonl")
        for name in os.listdir(folder):
            if name.startswith("."):
                os.unlink(os.path.join(folder, name))  # a piece cut off by an earlier run
        missing = [(s, n) for s, n in pieces if not os.path.exists(os.path.join(folder, dump_name(s, n) + ".json"))]
        if missing:
            log(f"generating {sum(n for _, n in missing):,} documents as {len(missing)} JSON Lines dumps ({self.jobs} processes)")
            t0 = time.monotonic()
            jobs = [(self.seed, folder, s, n) for s, n in missing]
            with multiprocessing.get_context("fork").Pool(self.jobs) as workers:
                for done in workers.imap(_make_dump, jobs):
                    self.generated_docs += done
                    if time.monotonic() > deadline:
                        log("generation budget spent; the big tiers stop at the dumps made so far")
                        workers.terminate()
                        break
            self.generated_s += time.monotonic() - t0
        out = []
        for s, n in pieces:
            path = os.path.join(folder, dump_name(s, n))
            if not os.path.exists(path + ".json"):
                break
            if (s, n) not in missing:
                self.reused_docs += n
            out.append((path, json.load(open(path + ".json"))))
        return out


def dump_name(start, count):
    return f"d{start:07d}+{count}.jsonl"


def _make_dump(job):
    seed, folder, start, count = job
    counts = gen_corpus._dump_job((seed, folder, start, start + count))
    made = os.path.join(folder, f"d{start:07d}.jsonl")
    final = os.path.join(folder, f"d{start:07d}+{count}.jsonl")
    with open(final + ".json.partial", "w") as f:
        json.dump(counts, f)
    os.rename(made, final)
    os.rename(final + ".json.partial", final + ".json")
    return count


def generate(out, start, count, seeds=False, staging=None):
    """Writes single files straight into `out` (kept for bench/profile.py); returns (manifest, wall s)."""
    t0 = time.monotonic()
    counts = gen_corpus.generate(out, start, count, "files", seeds_dir=os.path.join(REPO, "seeds") if seeds else None)
    return counts, time.monotonic() - t0


def drop_folders(corpus, names, inbox, work):
    """Hard-links corpus entries into <work>/staging, then renames each into the inbox (a drop); returns the
    time of the first rename. (For bench/ingest_wall.py, bench/life.py and bench/at_scale.py.)"""
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


def ingest_tier(daemon, queue, expected_total, start_cpu, started):
    """Waits until `expected_total` items have outcomes; returns (wall s since `started`, corpusd CPU s since
    `start_cpu`). (For bench/ingest_wall.py.)"""
    wait_until(lambda: queue.done(expected_total), 24 * 3600, f"{expected_total} items with outcomes", interval=0.05)
    return time.monotonic() - started, cpu_of(daemon.proc.pid) - start_cpu


def link_tree(src, staging):
    """Hard-links a generated folder's files into a staging folder (same file system as the inbox)."""
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run(["cp", "-al", src, staging], check=True)
    return sorted(os.listdir(staging))


def f_(n):
    return f"{n:,}"


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def machine(bin_dir):
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    keep = ("Architecture", "Model name", "CPU(s):", "Thread(s) per core", "L2 cache", "L3 cache", "Hypervisor")
    mem = subprocess.run(["free", "-m"], capture_output=True, text=True).stdout
    binary = os.path.join(bin_dir, "corpusd")
    return {
        "lscpu": "\n".join(l for l in lscpu.splitlines() if l.startswith(keep)),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "memory": mem.strip(),
        "kernel": platform.release(),
        "load_at_start": os.getloadavg(),
        "git": subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "sqlite": sqlite3.sqlite_version,
        "binary_built": datetime.datetime.fromtimestamp(os.path.getmtime(binary), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        if os.path.exists(binary) else None,
    }


# ---------------------------------------------------------------------------------------------- the run

def state_driver_options():
    """The options of the drivers that work on one state folder (bench/at_state.py, bench/life.py, bench/at_scale.py)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--bin-dir", default=os.path.join(REPO, ".build", "release"))
    ap.add_argument("--seed", default="corpusd-bench")
    ap.add_argument("--out")
    return ap


def emit(results, out):
    """Prints a driver's figures as JSON, and writes them to `out` when given."""
    text = json.dumps(results, indent=2)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
    print(text)


def rare_reference(corpus, reached):
    """A new story's reference among the first `reached` generated documents: a term one story and its copies hold."""
    return next(i for i in range(reached * 47 // 100, 10 ** 8) if corpus.kind(i) == "new")


def measure_queries(ctl, state, rare, runs, cap, timeout):
    """`corpusctl` queries as whole processes, `runs` times each (fewer once they took `cap` s): median and max ms,
    peak RSS, rows."""
    queries = {"status": ["status", "--json"],
               "list --tag china --limit 50": ["list", "--tag", "china", "--limit", "50", "--json"],
               "list --tag sport --limit 50": ["list", "--tag", "sport", "--limit", "50", "--json"],
               "search officials --limit 50 (common: in nearly every document)": ["search", "officials", "--limit", "50", "--json"],
               f"search ref{rare:07d} (rare: one story and its copies)": ["search", f"ref{rare:07d}", "--limit", "50", "--json"]}
    results = {}
    for label, argv in queries.items():
        walls, rows, rss = [], None, 0
        spent = 0.0
        for _ in range(runs):
            if spent > cap:
                break
            r, out = run_measured([ctl] + argv + ["--state-dir", state], timeout, stdout=subprocess.PIPE)
            if not r["finished"]:
                walls.append(None)
                break
            walls.append(r["wall_s"] * 1000)
            spent += r["wall_s"]
            rss = max(rss, r["max_rss_kib"])
            if rows is None and label != "status":
                try:
                    parsed = json.loads(out)
                    rows = len(parsed) if isinstance(parsed, list) else len(parsed.get("results", parsed.get("documents", [])))
                except (ValueError, AttributeError):
                    rows = None
        measured = [w for w in walls if w is not None]
        results[label] = {"runs": len(measured), "median_ms": statistics.median(measured) if measured else None,
                          "max_ms": max(measured) if measured else None, "max_rss_kib": rss, "rows": rows,
                          "timed_out": None in walls, "timeout_s": timeout}
    return results


class Bench:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        # The budget counts from --started-at (make bench's start: its build and set-up come out of it).
        before = max(0.0, time.time() - args.started_at) if args.started_at else 0.0
        self.end = self.t0 + args.budget - before
        self.results = {"machine": machine(args.bin_dir), "command": " ".join(["bench/run_bench.py"] + sys.argv[1:]),
                        "budget_s": args.budget, "before_run_s": before, "sizes": args.size_list, "tiers": [], "phases": {},
                        "notes": []}
        self.run_dir = os.path.join(args.work, "run")
        self.state = os.path.join(self.run_dir, "state")
        self.inbox = os.path.join(self.state, "inbox")
        self.staging = os.path.join(self.state, "staging")  # same file system as the inbox: renames are drops
        self.daemon = None
        self.queue = None
        self.series = []  # RSS and CPU samples of corpusd's earlier lives

    def left(self):
        return self.end - time.monotonic()

    def phase(self, name, started, **extra):
        self.results["phases"][name] = dict(extra, wall_s=time.monotonic() - started)

    def note(self, text):
        log(text)
        self.results["notes"].append(text)

    def save(self):
        results = dict(self.results, elapsed_s=time.monotonic() - self.t0)
        samples = self.series + (self.daemon.sampler.samples if self.daemon is not None else [])
        # Every 2 s: seconds since the start, corpusd CPU s (per life), VmRSS KiB.
        results["rss_series"] = [(round(t, 1), round(c, 2), r) for t, c, r, _ in samples[::4]]
        with open(self.args.results, "w") as f:
            json.dump(results, f, indent=1)
        write_markdown(results, self.args.markdown)

    def stop_daemon(self):
        figures = self.daemon.stop()
        self.series += self.daemon.sampler.samples
        self.daemon = None
        return figures

    def idle_after(self, expected):
        """True once `expected` items exist and none is open; raises if corpusd has died meanwhile."""
        if self.daemon.proc.poll() is not None:
            raise RuntimeError(f"corpusd exited {self.daemon.proc.returncode} (see {self.state}/corpusd.log)")
        return self.queue.done(expected)

    def start_daemon(self, extra=()):
        self.daemon = Daemon(self.args.bin_dir, self.state, extra, origin=self.t0)
        # READY=1 within what is left of the budget (at least a minute), or the run stops and says so.
        ready = self.daemon.start(timeout=max(60.0, self.left() + 60))
        if self.queue is None:
            self.queue = Queue(os.path.join(self.state, "corpus.sqlite"))
        return ready

    # ------------------------------------------------------------------ phase 1: corpora
    def corpora(self):
        a = self.args
        started = time.monotonic()
        cache = Cache(a.work, a.seed, a.jobs)
        sizes = a.size_list
        self.first_dir, self.first_manifest = cache.files("files", 0, sizes[0], seeds=True)
        self.latency_dir, _ = cache.files("latency", 10_000_000, a.latency_samples + a.poll_samples + a.latency_big_samples)
        self.startup_dir, self.startup_manifest = cache.files("startup", 20_000_000, a.startup_files)
        self.tier_pieces = []
        pieces = []
        for lo, hi in zip(sizes, sizes[1:]):
            tier = [(s, min(hi, s + a.per_dump) - s) for s in range(lo, hi, a.per_dump)]
            self.tier_pieces.append((hi, tier))
            pieces += tier
        deadline = started + a.generate_budget
        made = cache.dumps(pieces, deadline)
        self.dumps = {os.path.basename(p): (p, m) for p, m in made}
        self.phase("corpora", started, budget_s=a.generate_budget, cache=cache.dir, generated_documents=cache.generated_docs,
                   generated_s=cache.generated_s, reused_documents=cache.reused_docs,
                   dumps_available=len(made), dumps_wanted=len(pieces))
        if len(made) < len(pieces):
            self.note(f"corpus generation stopped by its {a.generate_budget:.0f} s budget: {len(made)} of {len(pieces)} dumps made")
        log(f"corpora ready in {time.monotonic() - started:.1f} s ({cache.generated_docs:,} generated, {cache.reused_docs:,} reused)")

    # ------------------------------------------------------------------ phase 2: small
    def first_tier(self):
        a = self.args
        size = a.size_list[0]
        started = time.monotonic()
        manifest = self.first_manifest
        tier = {"size": size, "shape": "files", "manifest": manifest, "new_documents": manifest["documents"]}
        # The peer and the floor first, on the very same files, while corpusd is idle.
        if size <= a.peer_max:
            r, out = run_measured([a.peer_python, os.path.join(HERE, "peer.py"), self.first_dir, os.path.join(self.run_dir, "peer.sqlite")],
                                  a.peer_timeout, stdout=subprocess.PIPE)
            tier["peer"] = dict(json.loads(out), **r) if r["finished"] else r
            log("peer", tier["peer"])
            r, out = run_measured([sys.executable, os.path.join(HERE, "floor.py"), self.first_dir, os.path.join(self.run_dir, "floor.sqlite")],
                                  a.peer_timeout, stdout=subprocess.PIPE)
            tier["floor"] = dict(json.loads(out), **r) if r["finished"] else r
            log("floor", tier["floor"])
        names = link_tree(self.first_dir, self.staging)
        expected = self.queue.items() + manifest["files"]
        start_cpu = cpu_of(self.daemon.pid)
        t0 = time.monotonic()
        for name in names:
            os.rename(os.path.join(self.staging, name), os.path.join(self.inbox, name))
        ok = wait_for(lambda: self.idle_after(expected), t0 + a.first_tier_budget, 0.05)
        if not ok:
            # Later phases need an idle daemon: wait on, up to what the big tiers would have had, and say so.
            self.note(f"the first tier ({f_(manifest['files'])} files) took longer than its {a.first_tier_budget:.0f} s budget")
            ok = wait_for(lambda: self.idle_after(expected), self.end - 330 * a.scale - a.latency_budget, 0.05)
        done = self.queue.db.execute("SELECT COUNT(*) FROM item WHERE parent_id IS NULL AND state IN ('stored','duplicate','failed')").fetchone()[0]
        self.finish_tier(tier, t0, start_cpu, done=done, complete=ok, after_id=0)
        self.phase("first tier", started, budget_s=a.first_tier_budget + (2 * a.peer_timeout if size <= a.peer_max else 0))
        return ok

    def finish_tier(self, tier, t0, start_cpu, done, complete, after_id):
        wall = time.monotonic() - t0
        cpu = cpu_of(self.daemon.pid) - start_cpu
        tier["corpusd"] = {"wall_s": wall, "cpu_s": cpu, "documents_done": done, "docs_per_s": done / wall if wall else 0,
                           "cpu_us_per_doc": cpu / done * 1e6 if done else None, **self.daemon.sampler.window(t0, time.monotonic())}
        tier["complete"] = complete
        tier["outcomes"] = self.queue.outcomes(after_id, entries=(tier["shape"] != "files"))
        tier["load"] = os.getloadavg()
        tier["documents_stored"] = self.queue.documents()
        self.results["tiers"].append(tier)
        log(f"tier {tier['size']:,}: {done:,} documents in {wall:.1f} s ({done / wall if wall else 0:.0f}/s), "
            f"CPU {cpu:.1f} s, {tier['outcomes']}")
        self.save()

    def latency_files(self, label):
        """An empty staging folder for a latency run, and the latency files in their order."""
        folder = os.path.join(self.staging, f"lat-{label}")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        paths = []
        for sub in sorted(os.listdir(self.latency_dir)):
            for name in sorted(os.listdir(os.path.join(self.latency_dir, sub))):
                paths.append(os.path.join(self.latency_dir, sub, name))
        return folder, paths

    def latency(self, samples, label, offset, deadline):
        """One file at a time renamed into the idle inbox, until its outcome is recorded."""
        folder, paths = self.latency_files(label)
        times = []
        for path in paths[offset:offset + samples]:
            staged = os.path.join(folder, os.path.basename(path))
            os.link(path, staged)
            before = self.queue.items()
            target = os.path.join(self.inbox, f"lat-{label}-{os.path.basename(path)}")
            t0 = time.monotonic()
            os.rename(staged, target)

            def recorded():
                row = self.queue.newest()
                return row and row[0] > before and row[1] in FINAL
            if not wait_for(recorded, max(deadline, time.monotonic() + 30), 0.002):
                self.note(f"latency ({label}): a file was not recorded within 30 s; stopped after {len(times)} samples")
                break
            times.append((time.monotonic() - t0) * 1000)
            if time.monotonic() > deadline:
                self.note(f"latency ({label}): budget spent after {len(times)} of {samples} samples")
                break
        shutil.rmtree(folder, ignore_errors=True)
        if not times:
            return {"samples": 0}
        return {"samples": len(times), "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95),
                "p99_ms": percentile(times, 99), "max_ms": max(times)}

    def latency_spread(self, samples, label, offset, deadline, gaps=(0.2, 0.8)):
        """Single files renamed into the idle inbox at seeded random moments (gaps drawn from `gaps`, seconds), each
        timed until its own outcome is recorded. With polling only, a file dropped right after the previous one was
        recorded (as `latency` does) waits for a whole poll by construction; dropped at moments that know nothing of
        the daemon's timer, it waits for whatever is left of the interval, as a user's files do. The drops overlap the
        waits, so 20 samples take ~12 s instead of 40."""
        import random
        rng = random.Random(f"{self.args.seed}-{label}")
        folder, paths = self.latency_files(label)
        before = self.queue.items()
        waiting = {}  # inbox name -> monotonic drop time
        times = []
        next_drop = time.monotonic()
        for path in paths[offset:offset + samples]:
            staged = os.path.join(folder, os.path.basename(path))
            os.link(path, staged)
            name = f"lat-{label}-{os.path.basename(path)}"
            while time.monotonic() < next_drop:
                self.collect_latencies(before, waiting, times)
                time.sleep(0.002)
            waiting[name] = time.monotonic()
            os.rename(staged, os.path.join(self.inbox, name))
            next_drop = time.monotonic() + rng.uniform(*gaps)
            if time.monotonic() > deadline:
                self.note(f"latency ({label}): budget spent after {len(waiting) + len(times)} of {samples} drops")
                break
        end = max(deadline, time.monotonic() + 30)
        while waiting and time.monotonic() < end:
            self.collect_latencies(before, waiting, times)
            time.sleep(0.002)
        if waiting:
            self.note(f"latency ({label}): {len(waiting)} files not recorded within 30 s of the last drop")
        shutil.rmtree(folder, ignore_errors=True)
        if not times:
            return {"samples": 0}
        return {"samples": len(times), "drops": "spread", "gaps_s": list(gaps), "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95), "p99_ms": percentile(times, 99), "max_ms": max(times)}

    def collect_latencies(self, before, waiting, times):
        """Moves the files of `waiting` whose outcome is now recorded into `times` (ms since their drop)."""
        now = time.monotonic()
        for path, in self.queue.final_after(before):
            dropped = waiting.pop(path.decode() if isinstance(path, bytes) else path, None)
            if dropped is not None:
                times.append((now - dropped) * 1000)

    def latencies(self):
        a = self.args
        started = time.monotonic()
        self.results["latency_inotify"] = self.latency(a.latency_samples, "inotify", 0, started + a.latency_budget / 3)
        log("latency inotify", self.results["latency_inotify"])
        self.results["corpusd_first_life"] = self.stop_daemon()
        self.start_daemon(["--no-inotify"])
        self.results["latency_poll"] = self.latency_spread(a.poll_samples, "poll", a.latency_samples, started + a.latency_budget)
        log("latency poll", self.results["latency_poll"])
        self.stop_daemon()
        self.start_daemon()
        self.phase("latency", started, budget_s=a.latency_budget)
        self.save()

    # ------------------------------------------------------------------ phase 3: big tiers
    def big_tiers(self, reserve):
        a = self.args
        started = time.monotonic()
        deadline = self.end - reserve
        at = a.size_list[0]
        for target, pieces in self.tier_pieces:
            available = [(s, n) for s, n in pieces if self.cache_dump(s, n)]
            if not available or time.monotonic() > deadline:
                self.results.setdefault("tiers_left_out", []).append(target)
                continue
            tier = {"size": target, "shape": "jsonl", "per_dump": a.per_dump, "manifest": gen_corpus.empty_counts()}
            after_id = self.queue.items()
            start_cpu = cpu_of(self.daemon.pid)
            t0 = time.monotonic()
            dropped = []  # [name, documents, container id, done]
            done_docs = 0
            stop_reason = None
            if len(available) < len(pieces):
                stop_reason = "corpus generation"

            def progress():
                total = 0
                for d in dropped:
                    if d[3]:
                        total += d[1]
                        continue
                    row = self.queue.container(d[0])
                    if row is None:
                        continue
                    d[2] = row[0]
                    if row[1] in FINAL:
                        d[3] = True
                        total += d[1]
                    elif row[1] == "processing":
                        total += self.queue.entries_recorded(row[0])
                return total

            queue = list(available)
            checkpoints = tier["checkpoints"] = []  # (documents in the corpus, s since the tier began, corpusd CPU s)
            while True:
                if self.daemon.proc.poll() is not None:
                    raise RuntimeError(f"corpusd exited {self.daemon.proc.returncode} (see {self.state}/corpusd.log)")
                done_docs = progress()
                now = time.monotonic()
                if not checkpoints or at + done_docs >= checkpoints[-1][0] + a.checkpoint:
                    checkpoints.append((at + done_docs, now - t0, cpu_of(self.daemon.pid) - start_cpu))
                in_flight = sum(d[1] for d in dropped) - done_docs
                if queue and stop_reason is None:
                    s, n = queue[0]
                    rate = done_docs / (now - t0) if done_docs and now - t0 > 5 else None
                    eta = (in_flight + n) / rate if rate else None
                    if now > deadline or (eta is not None and now + eta > deadline):
                        stop_reason = "time budget"
                    elif in_flight < a.max_waiting and (rate is not None or len(dropped) < 2):
                        name = dump_name(s, n)
                        path, manifest = self.dumps[name]
                        staged = os.path.join(self.staging, name)
                        os.link(path, staged)
                        os.rename(staged, os.path.join(self.inbox, name))
                        dropped.append([name, n, None, False])
                        gen_corpus.add_counts(tier["manifest"], manifest)
                        queue.pop(0)
                        continue
                if (not queue or stop_reason) and done_docs >= sum(d[1] for d in dropped):
                    break
                if now > deadline + a.drain_grace:
                    self.note(f"tier {target:,}: the last dumps were still being ingested {a.drain_grace:.0f} s after the budget; "
                              "measured up to here, the daemon kept working")
                    stop_reason = stop_reason or "time budget"
                    break
                time.sleep(0.2)
            checkpoints.append((at + done_docs, time.monotonic() - t0, cpu_of(self.daemon.pid) - start_cpu))
            wanted = sum(n for _, n in pieces)
            reached = at + done_docs
            tier["size"] = reached
            tier["target"] = target
            tier["new_documents"] = done_docs
            tier["dumps"] = len(dropped)
            if stop_reason:
                tier["stopped"] = {"reason": stop_reason, "reached": reached, "target": target, "wanted_documents": wanted}
                self.note(f"tier {target:,} stopped by the {stop_reason} at {reached:,} documents")
            if done_docs:
                self.finish_tier(tier, t0, start_cpu, done_docs, complete=done_docs == sum(d[1] for d in dropped), after_id=after_id)
            else:
                self.results.setdefault("tiers_left_out", []).append(target)
            at = reached
            if stop_reason:
                left = [t for t, _ in self.tier_pieces if t >= target]
                if left:
                    self.results["tiers_left_out"] = self.results.get("tiers_left_out", []) + left
                break
        self.phase("big tiers", started, budget_s=deadline - started)

    def reserve(self):
        """Seconds kept from the budget's end for phases 4 and 5: the latency and the queries (each bounded by a deadline
        or cap of its own; they took 1.5 s at 842 k and 882 k documents: 5 s kept), listing and exporting everything at
        the size the big tiers aim for, projected from listing and exporting the first tier now (per document the
        first tier's took 1.1x what 842 k documents' did; each at most --listing-timeout), and the start-up backlog at
        the first tier's file rate. Worst cases kept instead (two whole listing timeouts and 90 s), the run ended ~2.5
        minutes early with the big tiers cut short; with x1.25 + 5 s per listing and 20 s, 50 s early; with + 3 s each
        and 8 s, 23 s early. A projection short of the truth makes the run end later by as much, inside the half
        minute the budget leaves to 20."""
        a = self.args
        t = self.results["tiers"][0]["corpusd"] if self.results["tiers"] else None
        rate = t["docs_per_s"] if t and t["docs_per_s"] else 50
        startup = min(a.startup_files / rate * 1.3 + 5, 400 * a.scale)
        ctl = os.path.join(a.bin_dir, "corpusctl")
        docs = max(1, self.queue.documents())
        target = max(a.size_list)
        listing = {}
        for name, cmd in (("list", [ctl, "list", "--json", "--limit", str(10 ** 8), "--state-dir", self.state]),
                          ("export", [ctl, "export", "--format", "jsonl", "--state-dir", self.state])):
            r, _ = run_measured(cmd, a.listing_timeout)
            projected = r["wall_s"] / docs * target
            listing[name] = {"documents": docs, "wall_s": r["wall_s"], "projected_s": projected}
        listings = sum(min(a.listing_timeout, l["projected_s"]) for l in listing.values())
        figure = 5 * a.scale + listings + startup
        self.results["reserve"] = {"seconds": figure, "startup_estimate_s": startup, "listing_estimate_s": listings,
                                   "listing_at_first_tier": listing}
        log(f"keeping {figure:.0f} s for the phases at the largest size (listing and exporting {target:,} documents "
            f"estimated at {listings:.0f} s, start-up at {startup:.0f} s)")
        return figure

    def cache_dump(self, s, n):
        return dump_name(s, n) in self.dumps

    # ------------------------------------------------------------------ phase 4: at the largest size
    def at_largest(self):
        a = self.args
        started = time.monotonic()
        docs = self.queue.documents()
        self.results["latency_inotify_largest"] = dict(
            self.latency(a.latency_big_samples, "inotify-largest", a.latency_samples + a.poll_samples, started + 30), documents=docs)
        log("latency at largest", self.results["latency_inotify_largest"])
        ctl = os.path.join(a.bin_dir, "corpusctl")
        reached = self.results["tiers"][-1]["size"] if self.results["tiers"] else 0
        rare = rare_reference(self.cache_corpus, reached)
        self.results["queries"] = dict(measure_queries(ctl, self.state, rare, a.query_runs, a.query_cap, a.query_timeout),
                                       documents=docs, runs_each=a.query_runs)
        log("queries", self.results["queries"])
        self.save()
        r, _ = run_measured([ctl, "list", "--json", "--limit", str(10 ** 8), "--state-dir", self.state], a.listing_timeout)
        self.results["ctl_list_all"] = dict(r, documents=docs)
        log("list all", r)
        r, _ = run_measured([ctl, "export", "--format", "jsonl", "--state-dir", self.state], a.listing_timeout)
        self.results["ctl_export"] = dict(r, documents=docs)
        log("export", r)
        db_bytes = sum(os.path.getsize(os.path.join(self.state, f)) for f in os.listdir(self.state) if f.startswith("corpus.sqlite"))
        self.results["database"] = {"documents": docs, "items": self.queue.items(), "bytes": db_bytes,
                                    "bytes_per_document": db_bytes / max(1, docs),
                                    "input_bytes": sum(t["manifest"]["bytes"] for t in self.results["tiers"])}
        self.phase("at largest", started, budget_s=self.results["reserve"]["seconds"] - self.results["reserve"]["startup_estimate_s"])
        self.save()

    # ------------------------------------------------------------------ phase 5: start-up
    def startup(self):
        a = self.args
        started = time.monotonic()
        docs = self.queue.documents()
        self.results["corpusd_ingest"] = self.stop_daemon()
        log("corpusd life", self.results["corpusd_ingest"])
        names = link_tree(self.startup_dir, self.staging)
        for name in names:
            os.rename(os.path.join(self.staging, name), os.path.join(self.inbox, name))
        expected = self.queue.items() + self.startup_manifest["files"]
        t0 = time.monotonic()
        ready = self.start_daemon()
        deadline = max(self.end, time.monotonic() + 30)
        ok = wait_for(lambda: self.idle_after(expected), deadline, 0.02)
        s = {"stored_documents": docs, "waiting": self.startup_manifest["files"], "ready_s": ready,
             "empty_queue_s": time.monotonic() - t0 if ok else None}
        if not ok:
            s["recorded_by_deadline"] = self.startup_manifest["files"] - (expected - self.queue.items()) - self.queue.open_items()
            self.note(f"start-up: the queue was not empty when the budget ended ({time.monotonic() - t0:.0f} s after start)")
        s["corpusd"] = self.stop_daemon()
        self.results["startup"] = s
        log("startup", s)
        self.phase("start-up", started, budget_s=self.results["reserve"]["startup_estimate_s"])

    def run(self):
        a = self.args
        shutil.rmtree(self.run_dir, ignore_errors=True)
        os.makedirs(self.inbox)
        os.makedirs(self.staging)
        log("machine", self.results["machine"]["nproc"], "cpus, load", self.results["machine"]["load_at_start"],
            f"budget {a.budget:.0f} s")
        try:
            self.phases()
        except Exception as error:
            # Unattended runs: keep what was measured, say what stopped the run, and fail.
            self.note(f"the run stopped: {type(error).__name__}: {error}")
            self.results["total_s"] = time.monotonic() - self.t0
            self.save()
            if self.daemon is not None and self.daemon.proc.poll() is None:
                self.daemon.proc.kill()
            raise

    def phases(self):
        a = self.args
        self.corpora()
        self.cache_corpus = gen_corpus.Corpus(a.seed, pool=False)
        self.results["startup_empty_ready_s"] = self.start_daemon()
        ok = self.first_tier()
        self.latencies()
        # What the phases after the big tiers need, from the budget's end: queries, listing, start-up.
        reserve = self.reserve()
        if ok:
            self.big_tiers(reserve)
        else:
            self.note("the first tier did not finish before the time left for the larger tiers ran out; they were not tried "
                      "and the phases after it ran while corpusd was still ingesting")
            self.results["tiers_left_out"] = a.size_list[1:]
        self.at_largest()
        self.startup()
        self.results["load_at_end"] = os.getloadavg()
        self.results["total_s"] = time.monotonic() - self.t0
        self.results["completed"] = True
        self.save()
        log(f"done in {self.results['total_s']:.0f} s; wrote {a.markdown} and {a.results}")


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", default=os.path.join(REPO, ".build", "release"))
    ap.add_argument("--work", default=os.path.join(REPO, ".build", "bench"))
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: sizes 2000,6000, few samples, a 5-minute budget, report to <work>/quick.md")
    ap.add_argument("--sizes", help="cumulative corpus sizes; the first as single files, the rest as JSON Lines entries "
                                    "(default 10000,100000,1000000)")
    ap.add_argument("--budget", type=float, help="seconds for the whole run from --started-at (default 1170: 19.5 minutes)")
    ap.add_argument("--started-at", type=float, help="when the run's budget began, in seconds since the epoch (make bench "
                                                     "passes its own start, so its build counts; default: now)")
    ap.add_argument("--seed", default="corpusd-bench")
    ap.add_argument("--jobs", type=int, default=2, help="processes generating JSON Lines dumps")
    ap.add_argument("--per-dump", type=int, default=5000, help="articles per JSON Lines dump")
    ap.add_argument("--max-waiting", type=int, help="most entries dropped but without an outcome (default 2 dumps)")
    ap.add_argument("--peer-python", default=sys.executable)
    ap.add_argument("--peer-max", type=int, default=10000, help="the peer and the floor run on the first tier if it is this small")
    ap.add_argument("--latency-samples", type=int)
    ap.add_argument("--poll-samples", type=int)
    ap.add_argument("--latency-big-samples", type=int)
    ap.add_argument("--startup-files", type=int)
    ap.add_argument("--query-runs", type=int, default=7)
    ap.add_argument("--checkpoint", type=int, help="in the larger tiers, the rate is also given per this many documents "
                                                   "(default 10000)")
    ap.add_argument("--results")
    ap.add_argument("--markdown")
    a = ap.parse_args()
    quick = a.quick
    defaults = {"sizes": "2000,6000" if quick else "10000,100000,1000000", "budget": 300 if quick else 1170,
                "latency_samples": 40 if quick else 200, "poll_samples": 5 if quick else 20,
                "latency_big_samples": 10 if quick else 50, "startup_files": 1000 if quick else 10000,
                "max_waiting": 2 * a.per_dump, "checkpoint": 2000 if quick else 10000,
                "markdown": os.path.join(a.work, "quick.md") if quick else os.path.join(REPO, "BENCHMARKS.md"),
                "results": os.path.join(a.work, "results-quick.json" if quick else "results.json")}
    for k, v in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    a.size_list = [int(s) for s in a.sizes.split(",")]
    if quick and a.per_dump == 5000:
        a.per_dump = 2000
        a.max_waiting = 2 * a.per_dump
    # Per-phase budgets, in seconds, inside --budget; the big tiers get what is left after `reserve`.
    scale = a.budget / 1170
    a.generate_budget = 300 * scale
    a.first_tier_budget = 300 * scale
    a.peer_timeout = 180 * scale
    a.latency_budget = 120 * scale
    a.query_timeout = 30
    a.listing_timeout = 60 * scale
    a.query_cap = 20              # seconds of runs per query: fewer runs when one is slow
    a.scale = scale
    a.drain_grace = 60 * scale
    os.makedirs(a.work, exist_ok=True)
    import fcntl
    lock = open(os.path.join(a.work, ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another bench run is using {a.work}")
    Bench(a).run()


if __name__ == "__main__":
    main()
