#!/usr/bin/env python3
"""Times corpusctl's queries on a state folder as make bench does (whole processes, 7 runs each, median and
max), and the same questions asked with the statements corpusctl used before the scale work (in process
through Python's sqlite3, the same system SQLite; corpusctl's start-up not included), so that both can be
read side by side on one database:

    scripts/query-times.py --ctl .build/release/corpusctl --state .build/state-1m [--old]
"""
import argparse, os, sqlite3, statistics, subprocess, time

QUERIES = {
    "status": ["status", "--json"],
    "list --tag china --limit 50": ["list", "--tag", "china", "--limit", "50"],
    "list --tag sport --limit 50": ["list", "--tag", "sport", "--limit", "50"],
    "search (common: officials)": ["search", "officials", "--limit", "50"],
    "search (rare: one case number)": ["search", "9999991", "--limit", "50"],
    "search (rare: a word in few documents)": ["search", "zanzibar", "--limit", "50"],
}

HAS_TAG = "EXISTS (SELECT 1 FROM document_tag dt JOIN tag t ON t.id = dt.tag_id WHERE dt.document_id = d.id AND t.slug = ?)"
LIST = ("SELECT id, title, source, published, byline, url, file, ingested_at, word_count FROM document d WHERE "
        + HAS_TAG + " ORDER BY d.id DESC LIMIT 50 OFFSET 0")
SEARCH = ("SELECT d.id, d.title, d.source, d.published, d.byline, d.url, d.file, d.ingested_at, d.word_count, "
          "bm25(document_fts, 4.0, 1.0) AS rank, snippet(document_fts, 1, '[', ']', '…', 16) AS snippet "
          "FROM document_fts JOIN document d ON d.id = document_fts.rowid WHERE document_fts MATCH ? AND 1 "
          "ORDER BY rank, d.id DESC LIMIT 50 OFFSET 0")
OLD = {
    "status": [("SELECT state, COUNT(*) AS n FROM item GROUP BY state", ()), ("SELECT COUNT(*) FROM document", ()),
               ("SELECT MAX(finished_at) FROM item WHERE state <> 'failed'", ()),
               ("SELECT MIN(first_seen) FROM item WHERE state = 'pending'", ()),
               ("SELECT COUNT(*) FROM item WHERE state = 'pending' AND not_before IS NOT NULL", ())],
    "list --tag china --limit 50": [(LIST, ("china",))],
    "list --tag sport --limit 50": [(LIST, ("sport",))],
    "search (common: officials)": [(SEARCH, ("officials",))],
    "search (rare: one case number)": [(SEARCH, ("9999991",))],
    "search (rare: a word in few documents)": [(SEARCH, ("zanzibar",))],
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--old", action="store_true", help="also time the statements corpusctl used before")
    args = ap.parse_args()
    db = os.path.join(args.state, "corpus.sqlite")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    docs = con.execute("SELECT COUNT(*) FROM document").fetchone()[0]
    size = sum(os.path.getsize(os.path.join(args.state, f)) for f in os.listdir(args.state) if f.startswith("corpus.sqlite"))
    print(f"{docs:,} documents; database {size / 1e6:,.1f} MB = {size / max(docs, 1):,.0f} bytes per document; "
          f"load average {os.getloadavg()[0]:.1f}")
    print()
    print("| query | corpusctl median ms | max ms | " + ("before: its SQL alone, median ms | " if args.old else "") + "output |")
    print("| --- | ---: | ---: | " + ("---: | " if args.old else "") + "--- |")
    for label, argv in QUERIES.items():
        walls = []
        out = ""
        for _ in range(args.runs):
            start = time.perf_counter()
            p = subprocess.run([args.ctl] + argv + ["--state-dir", args.state, "--no-pager"], capture_output=True, text=True)
            walls.append((time.perf_counter() - start) * 1000)
            out = p.stdout if p.returncode in (0, 3) else p.stderr
        note = out.strip().splitlines()[-1][:70] if out.strip() else ""
        old = ""
        if args.old:
            times = []
            for _ in range(min(args.runs, 3)):
                start = time.perf_counter()
                for sql, params in OLD[label]:
                    con.execute(sql, params).fetchall()
                times.append((time.perf_counter() - start) * 1000)
            old = f"{statistics.median(times):,.1f} | "
        print(f"| `{' '.join(argv)}` | {statistics.median(walls):,.1f} | {max(walls):,.1f} | {old}{note} |")


if __name__ == "__main__":
    main()
