#!/usr/bin/env python3
"""Which tables and indexes a process's page reads fell on: the pread64 calls on a database file in an strace log
(`strace -f -e trace=openat,pread64 -o TRACE …`), mapped to their b-trees by SQLite's dbstat table. Reads of the
-wal file are counted apart (a page there is one written since the last checkpoint and no longer in the cache).

    scripts/page-reads.py TRACE DATABASE [--per N]     (--per: also per entry/document, N of them)
"""
import argparse, collections, os, re, sqlite3

ap = argparse.ArgumentParser()
ap.add_argument("trace"); ap.add_argument("database"); ap.add_argument("--per", type=int, default=0)
args = ap.parse_args()
con = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
owner = dict(con.execute("SELECT pageno, name FROM dbstat"))
page_size = con.execute("PRAGMA page_size").fetchone()[0]
base = os.path.basename(args.database)
opened = re.compile(r'openat\(.*"([^"]+)".*\)\s+=\s+(\d+)')
pread = re.compile(r'pread64\((\d+),.*,\s*(\d+),\s*(\d+)\)\s+=\s+(\d+)')
db_fds, wal_fds = set(), set()
reads, wal = collections.Counter(), 0
for line in open(args.trace, errors="replace"):
    if m := opened.search(line):
        path, fd = m.group(1), int(m.group(2))
        (wal_fds.discard(fd), db_fds.discard(fd))
        if path.endswith("/" + base) or path == base: db_fds.add(fd)
        elif path.endswith(base + "-wal"): wal_fds.add(fd)
    elif m := pread.search(line):
        fd, _, offset, _ = map(int, m.groups())
        if fd in wal_fds: wal += 1
        elif fd in db_fds: reads[owner.get(offset // page_size + 1, "(page added since)")] += 1
total = sum(reads.values())
per = lambda n: f"  {n / args.per:7.1f} per" if args.per else ""
print(f"database file: {total} page reads{per(total)}; -wal: {wal}{per(wal)}")
for name, n in reads.most_common(20):
    print(f"{n:9d} {100 * n / max(total, 1):5.1f} %{per(n)}  {name}")
