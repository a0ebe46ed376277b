#!/usr/bin/env python3
"""Which tables and indexes the frames of a database's WAL fall on: what the writer wrote since the WAL last
restarted. Run it on a copy left by a corpusd killed with -9 (a clean stop checkpoints and resets the WAL).
    scripts/wal-frames.py STATE/corpus.sqlite [--all]
Frames of the current generation only (their salts match the header's), or with --all every frame in the file
(the WAL is written again from its start after each checkpoint: the frames past the current generation's are the
ones before it); pages are named through dbstat, read from a copy of the database with the WAL applied."""
import collections, os, shutil, sqlite3, struct, sys, tempfile

db_path = sys.argv[1]
wal = open(db_path + "-wal", "rb").read()
magic, version, page_size, checkpoint, salt1, salt2 = struct.unpack(">IIIIII", wal[:24])
frame = 24 + page_size
pages = collections.Counter()
offset = 32
while offset + frame <= len(wal):
    pgno, _, s1, s2 = struct.unpack(">IIII", wal[offset:offset + 16])
    if (s1, s2) != (salt1, salt2) and "--all" not in sys.argv:
        break
    pages[pgno] += 1
    offset += frame
with tempfile.TemporaryDirectory() as tmp:
    copy = os.path.join(tmp, "c.sqlite")
    shutil.copy(db_path, copy)
    shutil.copy(db_path + "-wal", copy + "-wal")
    con = sqlite3.connect(copy)
    owner = dict(con.execute("SELECT pageno, name FROM dbstat"))
by_name = collections.Counter()
for pgno, n in pages.items():
    by_name[owner.get(pgno, "(free or new)")] += n
total = sum(by_name.values())
print(f"{total} frames ({total * page_size / 1e6:.1f} MB) on {len(pages)} distinct pages")
for name, n in by_name.most_common(15):
    print(f"{n:8d} {100 * n / total:5.1f} %  {name}")
