"""Renders `run_bench.py`'s results as the generated part of BENCHMARKS.md. Works on partial results too
(it is written after every phase), saying what was not reached."""


def f(x, digits=0):
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def mib(kib):
    return None if kib is None else kib / 1024


def verdict(ok):
    return "met" if ok else "**missed**"


def shape(t):
    if t["shape"] == "files":
        return "single files"
    return f"JSON Lines entries ({t.get('dumps', 0)} dumps of {f(t['per_dump'])})"


def cost_windows(tiers, most=10):
    """(from size, to size, docs/s, CPU µs/doc) over the checkpoints of the JSON Lines tiers, in at most
    `most` windows of about equal numbers of documents."""
    windows = []
    for t in tiers:
        points = [p for p in (t.get("checkpoints") or [])]
        points = [p for k, p in enumerate(points) if k == 0 or p[0] > points[k - 1][0]]
        if len(points) < 2:
            continue
        step = max(1, -(-(len(points) - 1) // most))
        keep = points[::step] + ([points[-1]] if (len(points) - 1) % step else [])
        for (s0, w0, c0), (s1, w1, c1) in zip(keep, keep[1:]):
            if s1 > s0 and w1 > w0:
                windows.append((s0, s1, (s1 - s0) / (w1 - w0), (c1 - c0) / (s1 - s0) * 1e6))
    return windows


def render(r):
    m = r["machine"]
    out = []
    total = r.get("total_s")
    out.append(f"Run on {m['date']} at `{m['git']}` (binaries built {m.get('binary_built') or '?'}; SQLite {m['sqlite']} in the "
               f"driver, corpusd links its own), kernel {m['kernel']}, load average at start "
               f"{', '.join(f(x, 1) for x in m['load_at_start'])}"
               + (f" and at end {', '.join(f(x, 1) for x in r['load_at_end'])}" if r.get("load_at_end") else "")
               + ". CPU seconds (user + system) are given beside wall time: they stay comparable when other work shares the cores.\n")
    out.append("```\n" + m["lscpu"] + f"\nnproc: {m['nproc']}\n" + m["memory"] + "\n```\n")
    out.append(f"Command: `{r['command']}` (what `make bench` runs after its build). "
               + (f"**Whole run: {f(total / 60, 1)} minutes** (budget {f(r['budget_s'] / 60, 1)})." if r.get("completed") and "before_run_s" not in r
                  else f"**Whole `make bench`: {f((total + r['before_run_s']) / 60, 1)} minutes** ({f(r['before_run_s'], 0)} s of build and "
                       f"set-up, then the run's {f(total / 60, 1)}; budget {f(r['budget_s'] / 60, 1)} from its start)." if r.get("completed")
                  else f"**The run stopped after {f(total / 60, 1)} minutes** (see below) — partial results." if total is not None
                  else f"**Run not finished** ({f(r['elapsed_s'] / 60, 1)} minutes so far) — partial results.") + "\n")
    phases = r.get("phases", {})
    if phases:
        out.append("Phases, wall s (budget s): " + ", ".join(f"{k} {f(v['wall_s'], 0)}" + (f" ({f(v['budget_s'])})" if v.get("budget_s") else "")
                                                   for k, v in phases.items())
                   + ". The larger tiers get what the budget leaves after the time kept for the last two phases; a phase "
                   "that overruns takes it from them.\n")
    c = phases.get("corpora")
    if c:
        out.append(f"Corpora: {f(c['generated_documents'])} documents generated in {f(c['generated_s'], 1)} s, "
                   f"{f(c['reused_documents'])} reused from the cache (`{c['cache'].split('/.build/')[-1]}`).\n")

    tiers = r["tiers"]
    out.append("### Throughput, drop → outcome recorded (near-duplicates, tagging and FTS on)\n")
    out.append("Tiers are cumulative: one daemon, one database; each row is the documents added in that tier.\n")
    out.append("| corpus size | shape | new documents | wall s | docs/s (wall) | corpusd CPU s | CPU µs/doc | corpusd RSS max / HWM MiB | outcomes |")
    out.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for t in tiers:
        cd = t["corpusd"]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(t["outcomes"].items()))
        out.append(f"| {f(t['size'])} | {shape(t)} | {f(cd['documents_done'])} | {f(cd['wall_s'], 1)} | {f(cd['docs_per_s'])} | "
                   f"{f(cd['cpu_s'], 1)} | {f(cd['cpu_us_per_doc'])} | {f(mib(cd.get('max_rss_kib')), 1)} / {f(mib(cd.get('hwm_kib')), 1)} | {outcomes} |")
    out.append("")
    for t in tiers:
        m_ = t["manifest"]
        out.append(f"- To {f(t['size'])}: {f(m_.get('new', 0))} new stories, {f(m_.get('exact', 0))} exact copies, "
                   f"{f(m_.get('same_text', 0))} same story under another page/outlet, {f(m_.get('near', 0))} near duplicates "
                   f"(~1 % of words changed), {m_.get('seeds', 0)} seed files; {f(m_['bytes'] / 1e6, 1)} MB"
                   + (f" (dropped; {f(t['new_documents'])} had outcomes)" if t["shape"] != "files" else "") + ".")
        if t.get("stopped"):
            s = t["stopped"]
            out.append(f"  **Stopped by the {s['reason']} at {f(s['reached'])} documents** (the tier was to reach {f(s['target'])}).")
    windows = cost_windows(tiers)
    if windows:
        out.append("- As the corpus grew (JSON Lines entries; per window of documents added): "
                   + "; ".join(f"{f(a)}→{f(b)}: {f(rate)}/s, {f(us)} µs CPU/doc" for a, b, rate, us in windows) + ".")
    if r.get("tiers_left_out"):
        out.append(f"- **Not reached:** {', '.join(f(x) for x in sorted(set(r['tiers_left_out'])))} documents.")
    out.append("")

    out.append("### Side by side (same files, same run)\n")
    out.append("| corpus | program | files | wall s | files/s (wall) | CPU s | files per CPU s | corpusd ÷ it (wall) | corpusd ÷ it (CPU) |")
    out.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    ratios = {}
    for t in tiers:
        if "peer" not in t and "floor" not in t:
            continue
        cd = t["corpusd"]
        files = cd["documents_done"]
        cw, cc = files / cd["wall_s"], files / max(cd["cpu_s"], 1e-9)
        out.append(f"| {f(t['size'])} | corpusd | {f(files)} | {f(cd['wall_s'], 1)} | {f(cw)} | {f(cd['cpu_s'], 1)} | {f(cc)} | | |")
        for name in ("peer", "floor"):
            p = t.get(name)
            if not p:
                continue
            label = "Python peer (datasketch MinHash+LSH, sqlite3 FTS5)" if name == "peer" else "floor (read, SHA-256, bare batched INSERT)"
            if not p.get("finished", True) or "files" not in p:
                out.append(f"| {f(t['size'])} | {label} | - | > {f(p['timeout_s'])} (stopped) | | | | | |")
                continue
            wall_rate, cpu_rate = p["files"] / p["wall_s"], p["files"] / max(p["cpu_s"], 1e-9)
            rw, rc = cw / wall_rate, cc / cpu_rate
            ratios[name] = (t["size"], rw, rc)
            out.append(f"| {f(t['size'])} | {label} | {f(p['files'])} | {f(p['wall_s'], 1)} | {f(wall_rate)} | {f(p['cpu_s'], 1)} | "
                       f"{f(cpu_rate)} | {f(rw, 2)}× | {f(rc, 2)}× |")
    out.append("")
    out.append("The peer and the floor are whole processes (start-up included) over the same files, run before corpusd "
               "ingests them; neither moves originals out of the inbox (corpusd does) nor learns a tag model (corpusd does).\n")

    li, lp, ll = r.get("latency_inotify"), r.get("latency_poll"), r.get("latency_inotify_largest")
    if li:
        out.append("### Latency, drop → outcome recorded (single files renamed one by one into an idle inbox)\n")
        out.append("| mode | stored documents | samples | p50 ms | p95 ms | p99 ms | max ms |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        first = tiers[0]["documents_stored"] if tiers else None
        for label, x, docs in (("inotify", li, first), ("polling only (`--no-inotify`, poll 2 s)", lp, first),
                               ("inotify, at the largest size", ll, ll and ll.get("documents"))):
            if x and x.get("samples"):
                out.append(f"| {label} | {f(docs)} | {x['samples']} | {f(x['p50_ms'], 1)} | {f(x['p95_ms'], 1)} | {f(x['p99_ms'], 1)} | {f(x['max_ms'], 1)} |")
        out.append("")
        if lp and lp.get("drops") == "spread":
            lo, hi = lp.get("gaps_s", (0.2, 0.8))
            out.append(f"With polling only, the files are dropped at seeded random moments ({lo:g}–{hi:g} s apart, each "
                       "timed to its own outcome), so each waits for whatever is left of the 2 s poll interval, as a "
                       "user's files do: p50 is about half the interval, p99 the whole of it.\n")
        elif lp:
            out.append("With polling only, each file is dropped right after the previous one was recorded, i.e. just after a "
                       "scan, so it waits almost a whole poll interval: the worst case by construction.\n")

    q = r.get("queries")
    if q:
        out.append(f"### Queries at {f(q['documents'])} documents (`corpusctl … --json`, whole process, {q.get('runs_each', 7)} runs each)\n")
        out.append("| query | rows | median ms | max ms | peak RSS MiB |")
        out.append("| --- | ---: | ---: | ---: | ---: |")
        for label, x in q.items():
            if label in ("documents", "runs_each"):
                continue
            extra = f" (a run passed {x['timeout_s']} s: stopped)" if x.get("timed_out") else ""
            out.append(f"| `{label}`{extra} | {f(x['rows'])} | {f(x['median_ms'], 1)} | {f(x['max_ms'], 1)} | {f(mib(x['max_rss_kib']), 1)} |")
        out.append("")
    d = r.get("database")
    if d:
        out.append(f"Database: {f(d['bytes'] / 1e6, 1)} MB for {f(d['documents'])} documents and {f(d['items'])} items = "
                   f"**{f(d['bytes_per_document'])} bytes per document** (input text {f(d['input_bytes'] / 1e6, 1)} MB).\n")

    ci = r.get("corpusd_ingest")
    first_life = r.get("corpusd_first_life")
    if ci or first_life:
        out.append("### Memory (peak RSS = VmHWM, the kernel's high-water mark of resident memory, over a process's whole life)\n")
        if first_life:
            out.append(f"- corpusd over the first tier ({f(tiers[0]['size'])} single files) and the inotify latency run: "
                       f"{f(mib(first_life['max_rss_kib']), 1)} MiB (CPU {f(first_life['cpu_s'], 1)} s).")
        if ci:
            big = [t for t in tiers if t["shape"] != "files"]
            what = f"the larger tiers to {f(big[-1]['size'])} documents" if big else "no larger tier"
            out.append(f"- corpusd over {what}, the latency and queries at that size: **{f(mib(ci['max_rss_kib']), 1)} MiB** "
                       f"(CPU {f(ci['cpu_s'], 1)} s over {f(ci['life_s'])} s).")
        for label, life in (("first tier", first_life), ("larger tiers", ci)):
            p = (life or {}).get("peak_sample")
            if p:
                out.append(f"  - {label}: at the highest sample ({f(mib(p['rss_kib']), 1)} MiB, {f(p['at_s'])} s into that life) "
                           f"{f(mib(p['anon_kib']), 1)} MiB were corpusd's own memory (RssAnon) and {f(mib(p['file_kib']), 1)} MiB "
                           f"pages of the files it maps — its binary and shared libraries (RssFile).")
        for key, label in (("ctl_list_all", "`corpusctl list --json --limit 100000000`"), ("ctl_export", "`corpusctl export --format jsonl`")):
            x = r.get(key)
            if x:
                state = f"{f(x['wall_s'], 1)} s" if x["finished"] else f"**stopped after {f(x['timeout_s'])} s, not finished**"
                out.append(f"- {label} over {f(x['documents'])} documents (to /dev/null): {f(mib(x['max_rss_kib']), 1)} MiB peak, {state}, "
                           f"CPU {f(x['cpu_s'], 1)} s.")
        out.append("")

    s = r.get("startup")
    if s:
        out.append("### Start-up\n")
        empty = f"queue empty after {f(s['empty_queue_s'], 1)} s" if s.get("empty_queue_s") is not None else \
            f"**queue not empty when the budget ended** ({f(s.get('recorded_by_deadline'))} recorded)"
        out.append(f"With {f(s['stored_documents'])} documents stored and {f(s['waiting'])} single files waiting in the inbox: "
                   f"READY=1 after {f(s['ready_s'], 2)} s, {empty}. (Empty state folder: READY after "
                   f"{f(r.get('startup_empty_ready_s'), 2)} s.)\n")

    if r.get("notes"):
        out.append("### What this run could not do\n")
        for n in r["notes"]:
            out.append(f"- {n}")
        out.append("")

    out.append("### Targets\n")
    out.append("| target | measured | |")
    out.append("| --- | --- | --- |")
    largest = tiers[-1]["size"] if tiers else 0
    at = f" (at {f(largest)}, not 1,000,000)" if largest < 1_000_000 else ""
    if "peer" in ratios:
        size, rw, rc = ratios["peer"]
        out.append(f"| corpusd ≥ 10× the peer ({f(size)} files) | {f(rw, 2)}× wall, {f(rc, 2)}× CPU | {verdict(min(rw, rc) >= 10)} |")
    else:
        out.append("| corpusd ≥ 10× the peer | not measured | |")
    if "floor" in ratios:
        size, rw, rc = ratios["floor"]
        out.append(f"| corpusd ≥ 50 % of the floor ({f(size)} files) | {f(rw * 100)} % wall, {f(rc * 100)} % CPU | {verdict(min(rw, rc) >= 0.5)} |")
    else:
        out.append("| corpusd ≥ 50 % of the floor | not measured | |")
    costs = [(t["size"], t["corpusd"]["cpu_us_per_doc"]) for t in tiers if t["corpusd"]["cpu_us_per_doc"]]
    if len(costs) > 1:
        big = [w for w in windows if w[1] - w[0] >= 0.5 * max(w_[1] - w_[0] for w_ in windows)] if windows else []
        flat = big[-1][3] <= 1.5 * big[0][3] if len(big) > 1 else None
        out.append(f"| cost per document flat as the corpus grows | CPU µs/doc by tier " + " → ".join(f"{f(c)} (to {f(s_)})" for s_, c in costs)
                   + " (the first tier single files, the rest JSON Lines entries)"
                   + (f"; JSON Lines, first → last window: {f(big[0][3])} ({f(big[0][0])}→{f(big[0][1])}) → {f(big[-1][3])} "
                      f"({f(big[-1][0])}→{f(big[-1][1])})" if len(big) > 1 else "") + " | "
                   + ("not enough windows to judge" if flat is None else verdict(flat) + " (last window ≤ 1.5× the first)") + " |")
    if li and li.get("samples"):
        out.append(f"| latency p99 < 250 ms with inotify | {f(li['p99_ms'], 1)} ms"
                   + (f"; {f(ll['p99_ms'], 1)} ms at {f(ll['documents'])} documents" if ll and ll.get("samples") else "")
                   + f" | {verdict(li['p99_ms'] < 250 and (not ll or not ll.get('samples') or ll['p99_ms'] < 250))} |")
    if lp and lp.get("samples"):
        out.append(f"| latency with polling only (no target) | p50 {f(lp['p50_ms'], 1)} ms, p99 {f(lp['p99_ms'], 1)} ms | |")
    if ci:
        out.append(f"| corpusd peak RSS < 100 MB ingesting 1 M{at} | {f(mib(ci['max_rss_kib']), 1)} MiB "
                   f"= {f(ci['max_rss_kib'] * 1024 / 1e6, 1)} MB | {verdict(ci['max_rss_kib'] * 1024 < 100e6)}{' (not at 1 M)' if at else ''} |")
    for key, label in (("ctl_list_all", "corpusctl listing all"), ("ctl_export", "corpusctl exporting all")):
        x = r.get(key)
        if x:
            out.append(f"| {label}{at}: peak RSS (no target) | {f(mib(x['max_rss_kib']), 1)} MiB, "
                       + (f"{f(x['wall_s'], 1)} s" if x["finished"] else f"not finished in {f(x['timeout_s'])} s") + " | |")
    if q:
        for label, x in q.items():
            if label in ("documents", "runs_each"):
                continue
            ok = x["median_ms"] is not None and x["median_ms"] < 100 and not x.get("timed_out")
            out.append(f"| `{label.split(' (')[0]}` < 100 ms{at} | {f(x['median_ms'], 1)} ms median, {f(x['max_ms'], 1)} ms max | "
                       f"{verdict(ok)}{' (not at 1 M)' if at else ''} |")
    if d:
        out.append(f"| database size per document{at} (no target) | {f(d['bytes_per_document'])} bytes | |")
    if s:
        empty = f"{f(s['empty_queue_s'], 1)} s" if s.get("empty_queue_s") is not None else "not reached in the budget"
        out.append(f"| start-up with 1 M stored{at}, {f(s['waiting'])} waiting (no target) | READY {f(s['ready_s'], 2)} s, empty {empty} | |")
    return "\n".join(out)
