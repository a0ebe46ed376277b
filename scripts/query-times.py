#!/usr/bin/env python3
"""Times corpusctl's queries on a state folder as make bench does (whole processes, 7 runs each, median and
max), and the same questions asked with the statements corpusctl used before the scale work (in process
through Python's sqlite3, the same system SQLite; corpusctl's start-up not included), so that both can be
read side by side on one database:

    scripts/query-times.py --ctl .build/release/corpusctl --state .build/state-1m [--old]
        [--common-tag sport] [--rare-tag china] [--rare-word WORD]

The defaults are make bench's queries on its corpus (bench/gen_corpus.py); a corpus built by `neardup-lab
bench` has no sport tag: give --common-tag disasters there.
"""
import argparse, os, sqlite3, statistics, subprocess, time

def queries(common_tag, rare_tag, rare_word):
    return {
        "status": ["status", "--json"],
        "list rare tag": ["list", "--tag", rare_tag, "--limit", "50", "--json"],
        "list common tag": ["list", "--tag", common_tag, "--limit", "50", "--json"],
        "search common": ["search", "officials", "--limit", "50", "--json"],
        "search absent": ["search", "9999991", "--limit", "50", "--json"],
        "search rare": ["search", rare_word, "--limit", "50", "--json"],
    }

HAS_TAG = "EXISTS (SELECT 1 FROM document_tag dt JOIN tag t ON t.id = dt.tag_id WHERE dt.document_id = d.id AND t.slug = ?)"
LIST = ("SELECT id, title, source, published, byline, url, file, ingested_at, word_count FROM document d WHERE "
        + HAS_TAG + " ORDER BY d.id DESC LIMIT 50 OFFSET 0")
SEARCH = ("SELECT d.id, d.title, d.source, d.published, d.byline, d.url, d.file, d.ingested_at, d.word_count, "
          "bm25(document_fts, 4.0, 1.0) AS rank, snippet(document_fts, 1, '[', ']', '…', 16) AS snippet "
          "FROM document_fts JOIN document d ON d.id = document_fts.rowid WHERE document_fts MATCH ? AND 1 "
          "ORDER BY rank, d.id DESC LIMIT 50 OFFSET 0")
def old_statements(common_tag, rare_tag, rare_word):
    return {
    "status": [("SELECT state, COUNT(*) AS n FROM item GROUP BY state", ()), ("SELECT COUNT(*) FROM document", ()),
               ("SELECT MAX(finished_at) FROM item WHERE state <> 'failed'", ()),
               ("SELECT MIN(first_seen) FROM item WHERE state = 'pending'", ()),
               ("SELECT COUNT(*) FROM item WHERE state = 'pending' AND not_before IS NOT NULL", ())],
    "list rare tag": [(LIST, (rare_tag,))],
    "list common tag": [(LIST, (common_tag,))],
    "search common": [(SEARCH, ("officials",))],
    "search absent": [(SEARCH, ("9999991",))],
    "search rare": [(SEARCH, (rare_word,))],
    }


NEW_LIST = ("SELECT d.id, d.title, d.source, d.published, d.byline, d.url, d.file, d.ingested_at, d.word_count "
            "FROM document_tag dt CROSS JOIN document d WHERE dt.tag_id = (SELECT id FROM tag WHERE slug = ?) "
            "AND d.id = dt.document_id AND 1 ORDER BY dt.document_id DESC LIMIT 50 OFFSET 0")


def new_statements(con, label, common_tag, rare_tag, rare_word, window=5000):
    """The statements corpusctl runs now for `label`, in process."""
    if label == "status":
        con.execute("SELECT name, value FROM corpus_stat").fetchall()
        con.execute("SELECT MIN(first_seen) FROM item WHERE state = 'pending'").fetchall()
        con.execute("SELECT COUNT(*) FROM item WHERE state = 'pending' AND not_before IS NOT NULL").fetchall()
    elif label.startswith("list"):
        con.execute(NEW_LIST, (rare_tag if "rare" in label else common_tag,)).fetchall()
    else:
        query = {"search common": "officials", "search absent": "9999991", "search rare": rare_word}[label]
        bound = con.execute("SELECT document_fts.rowid FROM document_fts WHERE document_fts MATCH ? AND 1 "
                            "ORDER BY document_fts.rowid DESC LIMIT 1 OFFSET ?", (query, window)).fetchone()
        best = con.execute("SELECT document_fts.rowid, bm25(document_fts, 4.0, 1.0) AS score FROM document_fts "
                           "WHERE document_fts MATCH ? AND document_fts.rowid > ? AND 1 "
                           "ORDER BY score, document_fts.rowid DESC LIMIT 50", (query, bound[0] if bound else 0)).fetchall()
        for rowid, _ in best:
            con.execute("SELECT d.id, d.title, snippet(document_fts, 1, '[', ']', '…', 16) FROM document_fts "
                        "CROSS JOIN document d ON d.id = document_fts.rowid WHERE document_fts MATCH ? "
                        "AND document_fts.rowid = ?", (query, rowid)).fetchall()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--old", action="store_true", help="also time the statements corpusctl used before")
    ap.add_argument("--common-tag", default="sport")
    ap.add_argument("--rare-tag", default="china")
    ap.add_argument("--rare-word", default="fentanyl")
    args = ap.parse_args()
    QUERIES = queries(args.common_tag, args.rare_tag, args.rare_word)
    OLD = old_statements(args.common_tag, args.rare_tag, args.rare_word)
    db = os.path.join(args.state, "corpus.sqlite")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    docs = con.execute("SELECT COUNT(*) FROM document").fetchone()[0]
    size = sum(os.path.getsize(os.path.join(args.state, f)) for f in os.listdir(args.state) if f.startswith("corpus.sqlite"))
    matches = {w: con.execute("SELECT COUNT(*) FROM document_fts WHERE document_fts MATCH ?", (w,)).fetchone()[0]
               for w in ("officials", args.rare_word)}
    tagged = {t: con.execute("SELECT COUNT(*) FROM document_tag dt JOIN tag t ON t.id = dt.tag_id WHERE t.slug = ?", (t,)).fetchone()[0]
              for t in (args.common_tag, args.rare_tag)}
    print(f"documents matching: {matches}; tagged: {tagged}")
    print(f"{docs:,} documents; database {size / 1e6:,.1f} MB = {size / max(docs, 1):,.0f} bytes per document; "
          f"load average {os.getloadavg()[0]:.1f}")
    print()
    print("| query | corpusctl wall, median ms | max ms | CPU (user + sys), median ms | "
          + ("its SQL alone now, median ms | before: its SQL alone, median ms | " if args.old else "") + "output (last line) |")
    print("| --- | ---: | ---: | ---: | " + ("---: | ---: | " if args.old else "") + "--- |")
    for label, argv in QUERIES.items():
        walls, cpus = [], []
        out = ""
        for _ in range(args.runs):
            start = time.perf_counter()
            p = subprocess.Popen([args.ctl] + argv + ["--state-dir", args.state, "--no-pager"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            stdout, stderr = p.stdout.read(), p.stderr.read()
            _, status, usage = os.wait4(p.pid, 0)
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((usage.ru_utime + usage.ru_stime) * 1000)
            out = stdout if os.waitstatus_to_exitcode(status) in (0, 3) else stderr
        note = out.strip().splitlines()[-1][:70] if out.strip() else ""
        if argv[-1] == "--json" and out.strip().startswith("["):
            note = f"{out.count(chr(10) + '  {')} results" if out.strip() != "[]" else "0 results"
        old = ""
        if args.old:
            times = []
            for _ in range(min(args.runs, 3)):
                start = time.perf_counter()
                for sql, params in OLD[label]:
                    con.execute(sql, params).fetchall()
                times.append((time.perf_counter() - start) * 1000)
            now = []
            for _ in range(min(args.runs, 3)):
                start = time.perf_counter()
                new_statements(con, label, args.common_tag, args.rare_tag, args.rare_word)
                now.append((time.perf_counter() - start) * 1000)
            old = f"{statistics.median(now):,.1f} | {statistics.median(times):,.1f} | "
        print(f"| `{' '.join(argv)}` | {statistics.median(walls):,.1f} | {max(walls):,.1f} | {statistics.median(cpus):,.0f} | {old}"
              f"{note.replace('|', '/')} |")


if __name__ == "__main__":
    main()
