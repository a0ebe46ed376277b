#!/usr/bin/env python3
"""The peer: the same job as corpusd, built the way a user would build it in Python.

Read each file, take the title (first short line) and body (the long lines), normalize (NFKC,
lowercase, punctuation collapsed), drop exact repeats by SHA-256 of the normalized body, drop near
repeats with datasketch MinHash (128 permutations, word 5-shingles) + MinHashLSH (threshold 0.8), tag
with a keyword list, and store in sqlite3 with an FTS5 index over title and body, committing in
batches. Prints {"files": N, "seconds": S, "stored": .., "exact": .., "near": ..}."""
import hashlib, json, os, re, sqlite3, sys, time, unicodedata
from datasketch import MinHash, MinHashLSH

KEYWORDS = {
    "china": ["china", "chinese", "beijing", "shanghai", "xi jinping"],
    "united-states": ["united states", "american", "white house", "washington", "congress", "pentagon"],
    "drugs": ["fentanyl", "opioids", "overdoses", "drug cartels", "counternarcotics"],
    "economy": ["inflation", "interest rates", "central bank", "unemployment", "stock market"],
    "elections": ["election", "voters", "campaign", "ballot", "candidate"],
    "climate": ["climate", "emissions", "carbon", "pollution", "renewable"],
    "technology": ["semiconductors", "software", "artificial intelligence", "chips", "internet"],
    "health": ["hospital", "patients", "vaccine", "public health", "virus"],
    "sport": ["tournament", "league", "championship", "football", "tennis"],
    "diplomacy": ["talks", "summit", "diplomats", "delegation", "embassy", "ambassador"],
    "crime": ["police", "prosecutors", "court", "crime", "justice department"],
    "russia": ["russia", "russian", "kremlin", "moscow", "putin"],
    "ukraine": ["ukraine", "ukrainian", "kyiv", "zelensky"],
    "mexico": ["mexico", "mexican"],
    "taiwan": ["taiwan", "taipei", "taiwanese"],
}
NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

def files(root):
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            yield os.path.join(folder, name)

def extract(text):
    lines = [l.strip() for l in text.splitlines()]
    body = [l for l in lines if len(l.split()) >= 12]
    title = next((l for l in lines if 3 <= len(l.split()) < 20 and not l.lower().startswith(("tags:", "by "))), "")
    return title, "\n\n".join(body)

def normalize(text):
    return NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()

def main(root, db_path, batch=500):
    if os.path.exists(db_path):
        os.remove(db_path)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript("""
        CREATE TABLE doc (id INTEGER PRIMARY KEY, path TEXT, title TEXT, body TEXT, body_hash BLOB UNIQUE, tags TEXT);
        CREATE VIRTUAL TABLE doc_fts USING fts5(title, body, content='doc', content_rowid='id');
    """)
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    start = time.monotonic()
    counts = {"files": 0, "stored": 0, "exact": 0, "near": 0, "failed": 0}
    seen = set()
    db.execute("BEGIN")
    for path in files(root):
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        counts["files"] += 1
        title, body = extract(text)
        norm = normalize(body)
        if not norm:
            counts["failed"] += 1
            continue
        digest = hashlib.sha256(norm.encode()).digest()
        if digest in seen:
            counts["exact"] += 1
            continue
        words = norm.split()
        shingles = {" ".join(words[k:k + 5]).encode() for k in range(max(1, len(words) - 4))}
        m = MinHash(num_perm=128)
        m.update_batch(list(shingles))
        if lsh.query(m):
            counts["near"] += 1
            continue
        seen.add(digest)
        tags = ",".join(t for t, kws in KEYWORDS.items() if any(k in norm for k in kws))
        cur = db.execute("INSERT INTO doc (path, title, body, body_hash, tags) VALUES (?, ?, ?, ?, ?)",
                         (path, title, body, digest, tags))
        db.execute("INSERT INTO doc_fts (rowid, title, body) VALUES (?, ?, ?)", (cur.lastrowid, title, body))
        lsh.insert(str(cur.lastrowid), m)
        counts["stored"] += 1
        if counts["files"] % batch == 0:
            db.execute("COMMIT")
            db.execute("BEGIN")
    db.execute("COMMIT")
    counts["seconds"] = time.monotonic() - start
    db.close()
    print(json.dumps(counts))

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
