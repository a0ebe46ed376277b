import GRDB

/// The schema, as an append-only list of named migrations. Never edit one that has shipped: add another.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1 items, documents, tags, full-text index") { db in
            // One row per unique article.
            try db.create(table: "document") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("title", .text).notNull()
                t.column("source", .text)
                t.column("url", .text)
                // ISO 8601 as the page gave it, and the same instant as Unix seconds for sorting.
                t.column("published", .text)
                t.column("published_at", .double)
                t.column("byline", .text)
                t.column("summary", .text)
                t.column("body", .text).notNull()
                t.column("body_hash", .blob).notNull().unique()
                t.column("word_count", .integer).notNull()
                t.column("encoding", .text).notNull()
                t.column("item_id", .integer).notNull()
                t.column("file", .text).notNull()
                t.column("ingested_at", .double).notNull()
            }
            try db.execute(sql: "CREATE INDEX document_published ON document(published_at)")
            try db.execute(sql: "CREATE INDEX document_source ON document(source)")

            // One row per file seen in the inbox, written before anything else happens to the file.
            try db.create(table: "item") { t in
                t.autoIncrementedPrimaryKey("id")
                // Path relative to the inbox, as raw bytes: file names need not be UTF-8.
                t.column("path", .blob).notNull()
                // The same path for display (invalid bytes replaced).
                t.column("name", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("mtime", .double)
                t.column("first_seen", .double).notNull()
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('pending','processing','stored','duplicate','failed')")
                t.column("reason", .text)
                t.column("raw_sha256", .blob)
                t.column("document_id", .integer).references("document", onDelete: .setNull)
                t.column("duplicate_kind", .text)
                t.column("similarity", .double)
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("not_before", .double)
                t.column("claimed_by", .text)
                t.column("lease_until", .double)
                t.column("finished_at", .double)
                // Where the original went (archive/ or failed/), once it has been moved there.
                t.column("disposed_path", .blob)
                t.column("disposed_at", .double)
            }
            // A path in the inbox has at most one live item: re-seeing a file is harmless.
            try db.execute(sql: "CREATE UNIQUE INDEX item_live_path ON item(path) WHERE disposed_at IS NULL")
            try db.execute(sql: "CREATE INDEX item_state ON item(state, id)")
            try db.execute(sql: "CREATE INDEX item_raw_sha256 ON item(raw_sha256) WHERE raw_sha256 IS NOT NULL")
            try db.execute(sql: "CREATE INDEX item_document ON item(document_id) WHERE document_id IS NOT NULL")
            try db.execute(sql: "CREATE INDEX item_undisposed ON item(id) WHERE disposed_at IS NULL AND state IN ('stored','duplicate','failed')")

            try db.create(table: "tag") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("slug", .text).notNull().unique()
                t.column("name", .text).notNull()
            }
            try db.create(table: "document_tag", options: [.withoutRowID]) { t in
                t.column("document_id", .integer).notNull().references("document", onDelete: .cascade)
                t.column("tag_id", .integer).notNull().references("tag", onDelete: .cascade)
                t.column("origin", .text).notNull()
                t.column("score", .double)
                t.column("evidence", .text)
                t.primaryKey(["document_id", "tag_id"])
            }
            try db.execute(sql: "CREATE INDEX document_tag_by_tag ON document_tag(tag_id, document_id)")

            try db.create(virtualTable: "document_fts", using: FTS5()) { t in
                t.synchronize(withTable: "document")
                t.tokenizer = .unicode61(diacritics: .remove)
                t.column("title")
                t.column("body")
            }
        }

        migrator.registerMigration("tag aliases and the learned tag model") { db in
            // The taxonomy's aliases as the daemon last loaded them, so that corpusctl resolves `--tag u.s.`
            // exactly as the daemon does without reading the taxonomy file itself.
            try db.execute(sql: """
                CREATE TABLE tag_alias (
                    alias TEXT PRIMARY KEY NOT NULL,
                    tag_id INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE
                ) WITHOUT ROWID
                """)
            // One row: the naive Bayes model (JSON), what it learnt from, and when.
            try db.execute(sql: """
                CREATE TABLE tag_model (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    model BLOB NOT NULL,
                    documents INTEGER NOT NULL,
                    tags INTEGER NOT NULL,
                    trained_at REAL NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX document_tag_by_origin ON document_tag(origin, document_id)")
        }

        migrator.registerMigration("entries of multi-article files: parent item and entry index") { db in
            // A feed, JSON list or JSON Lines file is one item (the container); each of its entries is a
            // child item with its own outcome, keyed by (parent_id, entry_index) so that replay never doubles one.
            try db.execute(sql: "ALTER TABLE item ADD COLUMN parent_id INTEGER REFERENCES item(id)")
            try db.execute(sql: "ALTER TABLE item ADD COLUMN entry_index INTEGER")
            // On a container: how many entries it listed (set when it is finished).
            try db.execute(sql: "ALTER TABLE item ADD COLUMN entry_count INTEGER")
            try db.execute(sql: "CREATE UNIQUE INDEX item_entry ON item(parent_id, entry_index) WHERE parent_id IS NOT NULL")
        }

        migrator.registerMigration("item indexes for re-registration and interrupted items") { db in
            // Every item of a path, disposed or not: a scan that raced the ingestor must see the disposal.
            try db.execute(sql: "CREATE INDEX item_path ON item(path, disposed_at)")
            // Items the daemon died holding; they are claimed one at a time.
            try db.execute(sql: "CREATE INDEX item_interrupted ON item(id) WHERE state = 'pending' AND attempts > 0")
        }

        migrator.registerMigration("near-duplicate band keys, copies' provenance, story clusters") { db in
            // LSH: a document is filed under one key per band; candidates are found by key, never by scan.
            try db.execute(sql: """
                CREATE TABLE near_band (
                    key INTEGER NOT NULL,
                    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    PRIMARY KEY (key, document_id)) WITHOUT ROWID
                """)
            try db.execute(sql: "CREATE INDEX near_band_document ON near_band(document_id)")

            // Every duplicate file's own provenance, as its parse found it; the canonical document keeps it.
            try db.execute(sql: """
                CREATE TABLE document_copy (
                    item_id INTEGER PRIMARY KEY REFERENCES item(id) ON DELETE CASCADE,
                    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    similarity REAL NOT NULL,
                    file TEXT NOT NULL,
                    source TEXT,
                    title TEXT,
                    url TEXT,
                    published TEXT,
                    seen_at REAL NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX document_copy_document ON document_copy(document_id)")

            // Story terms (postings), links between related documents, and the clusters they form.
            try db.execute(sql: """
                CREATE TABLE story_term (
                    term TEXT NOT NULL,
                    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    PRIMARY KEY (term, document_id)) WITHOUT ROWID
                """)
            try db.execute(sql: "CREATE INDEX story_term_document ON story_term(document_id)")
            try db.execute(sql: """
                CREATE TABLE document_related (
                    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    related_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    score REAL NOT NULL,
                    similarity REAL NOT NULL,
                    PRIMARY KEY (document_id, related_id)) WITHOUT ROWID
                """)
            try db.execute(sql: "CREATE INDEX document_related_back ON document_related(related_id)")
            try db.execute(sql: """
                CREATE TABLE story_member (
                    document_id INTEGER PRIMARY KEY REFERENCES document(id) ON DELETE CASCADE,
                    story_id INTEGER NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX story_member_story ON story_member(story_id)")
        }

        migrator.registerMigration("item destination chosen before its original is moved") { db in
            // Written before the move, so that a crash between the move and `disposed_path` still says where it went.
            try db.execute(sql: "ALTER TABLE item ADD COLUMN disposing_to BLOB")
        }

        migrator.registerMigration("near-duplicate judgement: the corpus's threshold, what each copy was judged against") { db in
            // One row: the threshold the corpus's near-duplicate outcomes were judged with (NULL: detection off),
            // and whether that judgement is whole (0 while a re-check to it is under way or was interrupted).
            try db.execute(sql: """
                CREATE TABLE near_judgement (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    threshold REAL,
                    complete INTEGER NOT NULL,
                    judged_at REAL NOT NULL)
                """)
            // The document a copy's similarity was measured against; it differs from document_id once a re-check
            // has merged that document into another, and the copy must then be judged again.
            try db.execute(sql: "ALTER TABLE document_copy ADD COLUMN judged_against INTEGER")
            try db.execute(sql: "UPDATE document_copy SET judged_against = document_id")
        }

        migrator.registerMigration("corpus counters kept by triggers") { db in
            // What `status` shows (items per state, documents, the last recorded outcome) without counting a
            // million rows: triggers keep the figures in the same transaction as every change they count.
            try db.execute(sql: "CREATE TABLE corpus_stat (name TEXT PRIMARY KEY NOT NULL, value NOT NULL) WITHOUT ROWID")
            for state in ["pending", "processing", "stored", "duplicate", "failed"] {
                try db.execute(sql: "INSERT INTO corpus_stat VALUES (?, (SELECT COUNT(*) FROM item WHERE state = ?))",
                               arguments: ["items." + state, state])
            }
            try db.execute(sql: "INSERT INTO corpus_stat VALUES ('documents', (SELECT COUNT(*) FROM document))")
            try db.execute(sql: """
                INSERT INTO corpus_stat SELECT 'last_ingest', MAX(finished_at) FROM item WHERE state <> 'failed'
                HAVING MAX(finished_at) IS NOT NULL
                """)
            try db.execute(sql: """
                CREATE TRIGGER item_count_insert AFTER INSERT ON item BEGIN
                    UPDATE corpus_stat SET value = value + 1 WHERE name = 'items.' || new.state;
                END;
                CREATE TRIGGER item_count_state AFTER UPDATE OF state ON item WHEN old.state IS NOT new.state BEGIN
                    UPDATE corpus_stat SET value = value - 1 WHERE name = 'items.' || old.state;
                    UPDATE corpus_stat SET value = value + 1 WHERE name = 'items.' || new.state;
                END;
                CREATE TRIGGER item_count_delete AFTER DELETE ON item BEGIN
                    UPDATE corpus_stat SET value = value - 1 WHERE name = 'items.' || old.state;
                END;
                CREATE TRIGGER item_last_ingest AFTER UPDATE OF finished_at ON item
                WHEN new.finished_at IS NOT NULL AND new.state <> 'failed' BEGIN
                    INSERT INTO corpus_stat VALUES ('last_ingest', new.finished_at)
                    ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value);
                END;
                CREATE TRIGGER document_count_insert AFTER INSERT ON document BEGIN
                    UPDATE corpus_stat SET value = value + 1 WHERE name = 'documents';
                END;
                CREATE TRIGGER document_count_delete AFTER DELETE ON document BEGIN
                    UPDATE corpus_stat SET value = value - 1 WHERE name = 'documents';
                END;
                """)
        }

        migrator.registerMigration("near-duplicate signatures per document, band keys without a by-document index") { db in
            // One row per document: its band keys (the by-document direction: re-checks delete them by key, so
            // near_band needs no second index) and one byte of each MinHash value, which screens LSH candidates
            // before their bodies are read (CorpusDatabase+NearDuplicates.swift). Documents stored before this
            // migration have no row; their candidates are verified on their bodies as before.
            try db.execute(sql: """
                CREATE TABLE near_signature (
                    document_id INTEGER PRIMARY KEY REFERENCES document(id) ON DELETE CASCADE,
                    band_keys BLOB NOT NULL,
                    minhash BLOB NOT NULL)
                """)
            // The band keys again, without the reference to document: with one, every deleted document would
            // be looked for in near_band by document id, which only the index dropped here could answer.
            // A re-check deletes a document's keys itself, before it deletes the document.
            try db.execute(sql: """
                CREATE TABLE near_band_key (
                    key INTEGER NOT NULL,
                    document_id INTEGER NOT NULL,
                    PRIMARY KEY (key, document_id)) WITHOUT ROWID
                """)
            try db.execute(sql: "INSERT INTO near_band_key SELECT key, document_id FROM near_band ORDER BY key, document_id")
            try db.execute(sql: "DROP TABLE near_band")
            try db.execute(sql: "ALTER TABLE near_band_key RENAME TO near_band")
        }

        migrator.registerMigration("story postings by term and time") { db in
            // Related stories are looked up by time, not by id: a posting carries a clock (0: a dated document's
            // publication date, 1: an undated document's arrival, 2: a dated document's arrival) and that time in
            // its key, so that the documents of one term near one time are one range of the primary key.
            try db.execute(sql: """
                CREATE TABLE story_posting (
                    term TEXT NOT NULL,
                    clock INTEGER NOT NULL,
                    at REAL NOT NULL,
                    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    PRIMARY KEY (term, clock, at, document_id)) WITHOUT ROWID
                """)
            try db.execute(sql: """
                INSERT INTO story_posting (term, clock, at, document_id)
                SELECT t.term, 0, d.published_at, t.document_id FROM story_term t JOIN document d ON d.id = t.document_id
                WHERE d.published_at IS NOT NULL
                UNION ALL
                SELECT t.term, CASE WHEN d.published_at IS NULL THEN 1 ELSE 2 END, d.ingested_at, t.document_id
                FROM story_term t JOIN document d ON d.id = t.document_id
                """)
            try db.execute(sql: "DROP TABLE story_term")
            try db.execute(sql: "ALTER TABLE story_posting RENAME TO story_term")
            try db.execute(sql: "CREATE INDEX story_term_document ON story_term(document_id)")
            // How many documents carry each term (one posting per document is counted: clock 0 or 1), so that
            // a term common in the corpus is known in one look-up, however narrow the time window.
            try db.execute(sql: "CREATE TABLE story_term_count (term TEXT PRIMARY KEY NOT NULL, documents INTEGER NOT NULL) WITHOUT ROWID")
            try db.execute(sql: "INSERT INTO story_term_count SELECT term, COUNT(*) FROM story_term WHERE clock <> 2 GROUP BY term")
            try db.execute(sql: """
                CREATE TRIGGER story_term_counted AFTER INSERT ON story_term WHEN new.clock <> 2 BEGIN
                    INSERT INTO story_term_count VALUES (new.term, 1) ON CONFLICT (term) DO UPDATE SET documents = documents + 1;
                END;
                CREATE TRIGGER story_term_uncounted AFTER DELETE ON story_term WHEN old.clock <> 2 BEGIN
                    UPDATE story_term_count SET documents = documents - 1 WHERE term = old.term;
                END;
                """)
        }

        // Per source, how many stored documents carried each body line (by hash): a line many documents of one
        // source repeat is that source's furniture (CorpusDatabase+SourceFurniture.swift).
        migrator.registerMigration("per-source line counts for learned boilerplate") { db in
            try db.execute(sql: """
                CREATE TABLE source_line (
                    source TEXT NOT NULL,
                    line_hash INTEGER NOT NULL,
                    documents INTEGER NOT NULL,
                    last_seen REAL NOT NULL,
                    PRIMARY KEY (source, line_hash)) WITHOUT ROWID
                """)
            try db.execute(sql: "CREATE INDEX source_line_documents ON source_line(documents)")
        }

        migrator.registerMigration("tags a person rejected on a document") { db in
            // Remembered so that reclassification, rules and the model never give the tag back.
            try db.execute(sql: """
                CREATE TABLE document_tag_rejected (
                    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    tag_id INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
                    rejected_at REAL NOT NULL,
                    PRIMARY KEY (document_id, tag_id)) WITHOUT ROWID
                """)
        }

        migrator.registerMigration("story term counts kept by the recorder, not a trigger") { db in
            // `linkStory` counts a new posting itself (CorpusDatabase+NearDuplicates.swift): an INSERT that fires a
            // trigger makes SQLite keep a statement journal of every page it changes, ~350 KiB per stored document.
            // Deletions (re-checks) are still uncounted by `story_term_uncounted`.
            try db.execute(sql: "DROP TRIGGER story_term_counted")
        }

        // Immediate foreign key checks: a migration that recreates no table needs no deferred check, and the deferred
        // one is `PRAGMA foreign_key_check` over every table — one look-up of `document` per story posting, tag link
        // and copy, ~1.3 M page reads and ~20 s before READY at 100 k documents.
        migrator.registerMigration("source line rows counted beside the table", foreignKeyChecks: .immediate) { db in
            // Kept by `learnFurniture` and `pruneSourceLines` (CorpusDatabase+SourceFurniture.swift).
            try db.execute(sql: "INSERT INTO corpus_stat VALUES ('source_lines', (SELECT COUNT(*) FROM source_line))")
        }

        // The band index as three levels merged in key order (CorpusDatabase+BandIndex.swift): the rows already
        // filed are the last level; new ones go to the recent level.
        migrator.registerMigration("band keys in levels merged in key order", foreignKeyChecks: .immediate) { db in
            for table in ["near_band_recent", "near_band_middle"] {
                try db.execute(sql: """
                    CREATE TABLE \(table) (
                        key INTEGER NOT NULL,
                        document_id INTEGER NOT NULL,
                        PRIMARY KEY (key, document_id)) WITHOUT ROWID
                    """)
            }
            try db.execute(sql: "INSERT INTO corpus_stat VALUES ('near_band.recent', 0)")
            try db.execute(sql: "INSERT INTO corpus_stat VALUES ('near_band.rows', (SELECT COUNT(*) FROM near_band))")
            try db.execute(sql: "INSERT INTO corpus_stat VALUES ('near_band.sweep', ?)", arguments: [Int64.min])
        }

        // The writer's half of a near-duplicate look-up made ahead reads only the recent level when no document after
        // the look-up's snapshot has left it: counted from here on by each merge (the highest document id then) and
        // by each removal from the band index.
        migrator.registerMigration("band index counts merges and removals for look-ups made ahead", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                INSERT INTO corpus_stat VALUES ('near_band.merged_through', (SELECT COALESCE(MAX(id), 0) FROM (
                    SELECT MAX(document_id) AS id FROM near_band UNION ALL SELECT MAX(document_id) FROM near_band_middle)))
                """)
            try db.execute(sql: "INSERT INTO corpus_stat VALUES ('near_band.unfiled', 0)")
        }

        // Documents join the full-text index at the end of the transaction that stores them (`indexingNewDocuments`),
        // not by a trigger per document; an update re-indexes a document only when its indexed text changes.
        migrator.registerMigration("full-text rows added once per recording transaction", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: "DROP TRIGGER __document_fts_ai")
            try db.execute(sql: "DROP TRIGGER __document_fts_au")
            try db.execute(sql: """
                CREATE TRIGGER document_fts_update AFTER UPDATE OF title, body ON document BEGIN
                    INSERT INTO document_fts (document_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                    INSERT INTO document_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
                END
                """)
        }

        // `source_line` in arrival order (its rowid), with one index on (source, line_hash) and one on the counts of
        // lines seen more than once: a new line is appended, not put at a random place of two indexes (their pages were
        // half of all the pages the writer wrote at 225 k documents), and the oldest lines seen once go first.
        migrator.registerMigration("source lines in arrival order", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                CREATE TABLE source_line_arrived (
                    id INTEGER PRIMARY KEY,
                    source TEXT NOT NULL,
                    line_hash INTEGER NOT NULL,
                    documents INTEGER NOT NULL,
                    last_seen REAL NOT NULL);
                INSERT INTO source_line_arrived (source, line_hash, documents, last_seen)
                    SELECT source, line_hash, documents, last_seen FROM source_line ORDER BY last_seen;
                DROP TABLE source_line;
                ALTER TABLE source_line_arrived RENAME TO source_line;
                CREATE UNIQUE INDEX source_line_key ON source_line(source, line_hash);
                CREATE INDEX source_line_repeated ON source_line(documents) WHERE documents > 1;
                """)
        }

        // Labelled documents (with a declared tag) counted beside the links, by every change of a document's links
        // (`CorpusDatabase.keepingLabelledCount`): the tag learner asks how many there are after every few thousand documents.
        migrator.registerMigration("labelled documents counted beside the tag links", foreignKeyChecks: .immediate) { db in
            let origins = CorpusDatabase.declaredOrigins.map(\.rawValue)
            try db.execute(sql: """
                INSERT INTO corpus_stat VALUES (?, (SELECT COUNT(DISTINCT document_id) FROM document_tag
                    WHERE origin IN (\(origins.map { _ in "?" }.joined(separator: ", ")))))
                """, arguments: StatementArguments([CorpusDatabase.labelledCounter] + origins))
        }

        // A document's terms that were too common to post (`NearDuplicatePolicy.unpostedCommonFactor`): one row each,
        // filed by document, so that it is appended where a posting went to a random place of `story_term`. Deleting the
        // document (a re-check's merge) uncounts them, as `story_term_uncounted` uncounts a posting.
        migrator.registerMigration("story terms too common to post, counted by document", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: """
                CREATE TABLE story_term_unposted (
                    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    term TEXT NOT NULL,
                    PRIMARY KEY (document_id, term)) WITHOUT ROWID;
                CREATE TRIGGER story_term_unposted_uncounted AFTER DELETE ON story_term_unposted BEGIN
                    UPDATE story_term_count SET documents = documents - 1 WHERE term = old.term;
                END;
                """)
        }

        return migrator
    }
}
