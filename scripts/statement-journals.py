#!/usr/bin/env python3
"""Which of the recording transaction's statements make SQLite keep a statement journal, and how many pages:
on a copy of a state folder's database (system SQLite, temp_store = FILE as corpusd's was), replays 200 stored
documents as new ones inside one transaction, statement by statement as `CorpusDatabase.record` writes them, and
attributes the bytes this process writes (/proc/self/io wchar) to each kind of statement. A multi-row statement
that fires triggers is run first so that the statement journal spills to its temporary file: from then on every
journalled page of the transaction is a pwrite of ~4 KiB.

    scripts/statement-journals.py STATE/corpus.sqlite [WORK.sqlite]
    TAGSQL=replace|upsert|plain|ignore|vupsert|vreplace|vplain   the tag-link statement to try (default replace)
    NOTRIGGER=1 (drop story_term_counted)  NOIDX=1 (drop story_term_document)  FK=OFF  DEFER=ON
"""
import sqlite3, sys, shutil, collections, os
src = sys.argv[1]
work = sys.argv[2] if len(sys.argv) > 2 else "/tmp/statement-journals.sqlite"
for ext in ("", "-wal", "-shm"):
    if os.path.exists(src + ext): shutil.copy(src + ext, work + ext)
con = sqlite3.connect(work, isolation_level=None)
con.execute("PRAGMA foreign_keys = " + os.environ.get("FK", "ON")); con.execute("PRAGMA defer_foreign_keys = " + os.environ.get("DEFER", "OFF")); con.execute("PRAGMA cache_size = -400000")
print("temp_store", con.execute("PRAGMA temp_store").fetchone())
def wchar():
    with open("/proc/self/io") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("wchar"))

if os.environ.get("NOTRIGGER"): con.execute("DROP TRIGGER IF EXISTS story_term_counted")
if os.environ.get("NOIDX"): con.execute("DROP INDEX story_term_document")
counted_by_trigger = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'story_term_counted'").fetchone() is not None
con.execute("BEGIN")
# a multi-row statement that fires triggers: spills the statement journal to its file
w = wchar(); con.execute("UPDATE item SET state = state || '' WHERE id IN (SELECT id FROM item ORDER BY random() LIMIT 400)")
print("spill statement wrote", wchar() - w)
per = collections.Counter(); n = collections.Counter()
docs = [r[0] for r in con.execute("SELECT id FROM document ORDER BY random() LIMIT 200")]
new_ids = []
for d in docs:
    def run(kind, sql, args=()):
        w = wchar(); con.execute(sql, args); per[kind] += wchar() - w; n[kind] += 1
    run("insert document (FTS trigger, counter trigger)", """INSERT INTO document (title, source, url, published, published_at, byline, summary, body, body_hash,
        word_count, encoding, item_id, file, ingested_at) SELECT title, source, url, published, published_at, byline, summary, body || ' x' || abs(random()),
        randomblob(32), word_count, encoding, item_id, file, ingested_at FROM document WHERE id = ?""", (d,))
    nid = con.execute("SELECT last_insert_rowid()").fetchone()[0]
    for tag_id, origin, score, ev in con.execute("SELECT tag_id, origin, score, evidence FROM document_tag WHERE document_id = ?", (d,)).fetchall():
        run("document_tag " + os.environ.get("TAGSQL", "replace"), {"replace": "INSERT OR REPLACE INTO document_tag (document_id, tag_id, origin, score, evidence) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM document_tag_rejected WHERE document_id = ?1 AND tag_id = ?2)",
  "upsert": "INSERT INTO document_tag (document_id, tag_id, origin, score, evidence) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM document_tag_rejected WHERE document_id = ?1 AND tag_id = ?2) ON CONFLICT (document_id, tag_id) DO UPDATE SET origin = excluded.origin, score = excluded.score, evidence = excluded.evidence",
  "vupsert": "INSERT INTO document_tag (document_id, tag_id, origin, score, evidence) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (document_id, tag_id) DO UPDATE SET origin = excluded.origin, score = excluded.score, evidence = excluded.evidence",
  "vreplace": "INSERT OR REPLACE INTO document_tag (document_id, tag_id, origin, score, evidence) VALUES (?1, ?2, ?3, ?4, ?5)",
  "vplain": "INSERT INTO document_tag (document_id, tag_id, origin, score, evidence) VALUES (?1, ?2, ?3, ?4, ?5)",
  "plain": "INSERT INTO document_tag (document_id, tag_id, origin, score, evidence) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM document_tag_rejected WHERE document_id = ?1 AND tag_id = ?2)",
  "ignore": "INSERT OR IGNORE INTO document_tag (document_id, tag_id, origin, score, evidence) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM document_tag_rejected WHERE document_id = ?1 AND tag_id = ?2)"}[os.environ.get("TAGSQL","replace")], (nid, tag_id, origin, score, ev))
    for term, clock, at in con.execute("SELECT term, clock, at FROM story_term WHERE document_id = ?", (d,)).fetchall():
        run("story_term insert or ignore (+ count trigger, if any)", "INSERT OR IGNORE INTO story_term (term, clock, at, document_id) VALUES (?, ?, ?, ?)", (term, clock, at + 0.5, nid))
        if not counted_by_trigger and clock != 2:
            run("story_term_count upsert (without the trigger)", "INSERT INTO story_term_count (term, documents) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET documents = documents + 1", (term,))
    src_lines = con.execute("SELECT source, line_hash FROM source_line ORDER BY random() LIMIT 10").fetchall()
    for s, h in src_lines:
        run("source_line upsert", "INSERT INTO source_line (source, line_hash, documents, last_seen) VALUES (?, ?, 1, 0) ON CONFLICT (source, line_hash) DO UPDATE SET documents = documents + 1, last_seen = excluded.last_seen", (s, h))
    row = con.execute("SELECT band_keys, minhash FROM near_signature WHERE document_id = ?", (d,)).fetchone()
    if row:
        keys = [int.from_bytes(row[0][i:i+8], "little", signed=True) for i in range(0, len(row[0]), 8)]
        for k in keys: run("near_band insert", "INSERT INTO near_band (key, document_id) VALUES (?, ?)", (k, nid))
        run("near_signature insert", "INSERT INTO near_signature (document_id, band_keys, minhash) VALUES (?, ?, ?)", (nid, row[0], row[1]))
    it = con.execute("SELECT id FROM item ORDER BY random() LIMIT 1").fetchone()[0]
    run("update item (finish; state triggers)", "UPDATE item SET state = 'stored', reason = NULL, document_id = ?, finished_at = ?, claimed_by = NULL, lease_until = NULL, not_before = NULL WHERE id = ?", (nid, 2e9, it))
tot = sum(per.values())
print(f"{len(docs)} documents replayed; statement-journal (and other) bytes written per document: {tot/len(docs)/1024:,.1f} KiB")
for k, v in per.most_common():
    print(f"  {k}: {v/len(docs)/1024:,.1f} KiB per document, {n[k]/len(docs):.1f} statements, {v/max(n[k],1)/4100:.2f} pages per statement")
con.execute("ROLLBACK")
for ext in ("", "-wal", "-shm"):
    if os.path.exists(work + ext): os.remove(work + ext)
