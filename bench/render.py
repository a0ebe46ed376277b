"""Renders `run_bench.py`'s results as the generated part of BENCHMARKS.md."""


def f(x, digits=0):
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def verdict(ok):
    return "met" if ok else "**missed**"


def render(r):
    m = r["machine"]
    out = []
    out.append(f"Run on {m['date']} at `{m['git']}` (SQLite {m['sqlite']} in the driver; corpusd links its own), "
               f"kernel {m['kernel']}, load average at start {', '.join(f(x, 1) for x in m['load_at_start'])} and at end "
               f"{', '.join(f(x, 1) for x in r.get('load_at_end', ()))} — this machine is shared, so CPU seconds "
               "(user + system) are given beside wall time.\n")
    out.append("```\n" + m["lscpu"] + f"\nnproc: {m['nproc']}\n" + m["memory"] + "\n```\n")
    out.append(f"Command: `{r['command']}`\n")

    out.append("### Throughput, drop → outcome recorded (near-duplicates, tagging and FTS on)\n")
    out.append("| corpus size | new files | wall s | docs/s (wall) | corpusd CPU s | CPU µs/doc | outcomes |")
    out.append("| ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for t in r["tiers"]:
        c = t["corpusd"]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(t["outcomes"].items()))
        out.append(f"| {f(t['size'])} | {f(t['manifest']['files'])} | {f(c['wall_s'], 1)} | {f(c['docs_per_s'])} | "
                   f"{f(c['cpu_s'], 1)} | {f(c['cpu_us_per_doc'])} | {outcomes} |")
    out.append("")
    for t in r["tiers"]:
        if t.get("streamed"):
            out.append(f"Streamed tier to {f(t['size'])}: the generator wrote folders of 1000 into the inbox while corpusd "
                       "ingested, so its wall rate includes sharing the cores with the generator; CPU µs/doc is corpusd's own.\n")
        m_ = t["manifest"]
        out.append(f"Corpus to {f(t['size'])}: {f(m_.get('new', 0))} new stories, {f(m_.get('exact', 0))} exact copies, "
                   f"{f(m_.get('same_text', 0))} same text under another page, {f(m_.get('near', 0))} near duplicates (~1 % of words changed), "
                   f"{m_.get('seeds', 0)} seed files; {f(m_['bytes'] / 1e6, 1)} MB.\n")

    out.append("### Side by side (same files, same run)\n")
    out.append("| corpus | program | files | wall s | files/s (wall) | CPU s | files per CPU s | corpusd ÷ it (wall) | corpusd ÷ it (CPU) |")
    out.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    ratios = {}
    for t in r["tiers"]:
        c = t["corpusd"]
        files = t["manifest"]["files"]
        cum = t["size"] + t["manifest"].get("seeds", 0)
        out.append(f"| {f(t['size'])} | corpusd (new files only) | {f(files)} | {f(c['wall_s'], 1)} | {f(files / c['wall_s'])} | "
                   f"{f(c['cpu_s'], 1)} | {f(files / max(c['cpu_s'], 1e-9))} | | |")
        for name in ("peer", "floor"):
            if name in t:
                p = t[name]
                wall_rate, cpu_rate = p["files"] / p["wall_s"], p["files"] / p["cpu_s"]
                rw = (files / c["wall_s"]) / wall_rate
                rc = (files / max(c["cpu_s"], 1e-9)) / cpu_rate
                ratios.setdefault(name, []).append((t["size"], rw, rc))
                out.append(f"| {f(t['size'])} | {'Python peer (datasketch + sqlite3 FTS5)' if name == 'peer' else 'floor (read, SHA-256, bare batched INSERT)'} "
                           f"| {f(p['files'])} | {f(p['wall_s'], 1)} | {f(wall_rate)} | {f(p['cpu_s'], 1)} | {f(cpu_rate)} | {f(rw, 2)}× | {f(rc, 2)}× |")
    out.append("")
    out.append("The peer and the floor read the whole corpus so far; corpusd's figures are for the files dropped in that tier "
               "(the rates compare). The peer and the floor do not move originals out of the inbox; corpusd does.\n")

    if r.get("tiers_left_out"):
        out.append(f"**Left out for the time budget:** tiers {', '.join(f(x) for x in r['tiers_left_out'])}.\n")
    for t in r["tiers"]:
        if "stopped_by_budget" in t:
            out.append(f"**The streamed tier stopped at {f(t['stopped_by_budget']['reached'])} documents** when the "
                       f"{f(t['stopped_by_budget']['budget_s'])} s budget ran out (it was to reach {f(r['sizes'][-1])}).\n")
    li, lp = r.get("latency_inotify"), r.get("latency_poll")
    if li is None:
        return "\n".join(out)
    lp = lp or {"samples": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    out.append("### Latency, drop → outcome recorded (one file at a time, renamed into an idle inbox)\n")
    out.append("| mode | samples | p50 ms | p95 ms | p99 ms | max ms |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    out.append(f"| inotify | {li['samples']} | {f(li['p50_ms'], 1)} | {f(li['p95_ms'], 1)} | {f(li['p99_ms'], 1)} | {f(li['max_ms'], 1)} |")
    out.append(f"| polling only (`--no-inotify`, poll 2 s) | {lp['samples']} | {f(lp['p50_ms'], 1)} | {f(lp['p95_ms'], 1)} | {f(lp['p99_ms'], 1)} | {f(lp['max_ms'], 1)} |")
    out.append("")

    if "database" not in r:
        return "\n".join(out)
    out.append(f"### Queries at {f(r['database']['documents'])} documents (`corpusctl`, whole process, 7 runs)\n")
    out.append("| query | median ms | max ms | peak RSS MiB |")
    out.append("| --- | ---: | ---: | ---: |")
    for label, q in r["queries"].items():
        out.append(f"| `{label}` | {f(q['median_ms'], 1)} | {f(q['max_ms'], 1)} | {f(q['max_rss_kib'] / 1024, 1)} |")
    out.append("")
    d = r["database"]
    out.append(f"Database: {f(d['bytes'] / 1e6, 1)} MB for {f(d['documents'])} documents and {f(d['items'])} items = "
               f"{f(d['bytes_per_document'])} bytes per document (input text {f(d['input_bytes'] / 1e6, 1)} MB).\n")

    if "corpusd_ingest" not in r:
        return "\n".join(out)
    out.append("### Memory\n")
    ci = r["corpusd_ingest"]
    out.append(f"- corpusd peak RSS over the whole ingest run (wait4 ru_maxrss): {f(ci['max_rss_kib'] / 1024, 1)} MiB "
               f"(CPU {f(ci['cpu_s'], 1)} s over its life).")
    cl = r["ctl_list_all"]
    out.append(f"- `corpusctl list --json --limit 10000000` over every document: {f(cl['max_rss_kib'] / 1024, 1)} MiB peak, {f(cl['wall_s'], 1)} s.")
    if "ctl_export" in r:
        ce = r["ctl_export"]
        out.append(f"- `corpusctl export`: {f(ce['max_rss_kib'] / 1024, 1)} MiB peak, {f(ce['wall_s'], 1)} s.")
    else:
        out.append("- `corpusctl export`: not measured — this build of corpusctl has no `export`.")
    out.append("")

    s = r.get("startup")
    if s is None:
        return "\n".join(out)
    out.append("### Start-up\n")
    out.append(f"With {f(s['stored_documents'])} documents stored and {f(s['waiting'])} files waiting in the inbox: "
               f"READY=1 after {f(s['ready_s'], 2)} s, queue empty after {f(s['empty_queue_s'], 1)} s. "
               f"(Empty state folder: READY after {f(r['startup_empty_ready_s'], 2)} s.)\n")

    out.append("### Targets\n")
    big = r["tiers"][-1]
    out.append("| target | measured | |")
    out.append("| --- | --- | --- |")
    for size, rw, rc in ratios.get("peer", []):
        out.append(f"| corpusd ≥ 10× the peer ({f(size)}) | {f(rw, 1)}× wall, {f(rc, 1)}× CPU | {verdict(min(rw, rc) >= 10)} |")
    for size, rw, rc in ratios.get("floor", []):
        out.append(f"| corpusd ≥ 50 % of the floor ({f(size)}) | {f(rw * 100)} % wall, {f(rc * 100)} % CPU | {verdict(min(rw, rc) >= 0.5)} |")
    costs = [t["corpusd"]["cpu_us_per_doc"] for t in r["tiers"]]
    out.append(f"| cost per document flat as the corpus grows | CPU µs/doc {' → '.join(f(c) for c in costs)} | "
               f"{verdict(max(costs) <= 1.5 * min(costs))} |")
    out.append(f"| latency p99 < 250 ms with inotify | {f(li['p99_ms'], 1)} ms | {verdict(li['p99_ms'] < 250)} |")
    out.append(f"| latency with polling only (no target) | p99 {f(lp['p99_ms'], 1)} ms | |")
    out.append(f"| corpusd peak RSS < 100 MB ingesting {f(big['size'])} | {f(ci['max_rss_kib'] / 1024, 1)} MiB | {verdict(ci['max_rss_kib'] * 1024 < 100e6)} |")
    for label, q in r["queries"].items():
        out.append(f"| `{label}` < 100 ms at {f(d['documents'])} docs | {f(q['median_ms'], 1)} ms median, {f(q['max_ms'], 1)} ms max | {verdict(q['median_ms'] < 100)} |")
    out.append(f"| start-up with {f(s['stored_documents'])} stored, {f(s['waiting'])} waiting | READY {f(s['ready_s'], 2)} s, empty {f(s['empty_queue_s'], 1)} s | |")
    return "\n".join(out)
