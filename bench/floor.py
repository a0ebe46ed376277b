#!/usr/bin/env python3
"""The floor: read every file, SHA-256 it, insert it bare into SQLite in batched transactions.
No parsing, no index beyond the primary key, no moving of files. Prints {"files": N, "seconds": S}."""
import hashlib, json, os, sqlite3, sys, time

def files(root):
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            yield os.path.join(folder, name)

def main(root, db_path, batch=1000):
    if os.path.exists(db_path):
        os.remove(db_path)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE doc (id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 BLOB NOT NULL, body BLOB NOT NULL)")
    start = time.monotonic()
    n = 0
    rows = []
    for path in files(root):
        with open(path, "rb") as f:
            data = f.read()
        rows.append((path, hashlib.sha256(data).digest(), data))
        if len(rows) == batch:
            db.execute("BEGIN")
            db.executemany("INSERT INTO doc (path, sha256, body) VALUES (?, ?, ?)", rows)
            db.execute("COMMIT")
            n += len(rows)
            rows = []
    if rows:
        db.execute("BEGIN")
        db.executemany("INSERT INTO doc (path, sha256, body) VALUES (?, ?, ?)", rows)
        db.execute("COMMIT")
        n += len(rows)
    seconds = time.monotonic() - start
    db.close()
    print(json.dumps({"files": n, "seconds": seconds}))

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
