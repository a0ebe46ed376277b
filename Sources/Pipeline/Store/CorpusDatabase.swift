import Foundation
import GRDB
import GRDBSQLite
import Logging

/// The one type that owns every SQL statement of corpusd.
///
/// Writes are named by intent (register, claim, record, dispose …) and each is one transaction;
/// reads are grouped apart. The queue is claimable by many workers: a claim is a single
/// conditional UPDATE with a lease, so a second node would take different rows.
public struct CorpusDatabase: Sendable {
    // Internal so that the store's extensions in other files (one per concern) reach it; nothing outside Store/ uses it.
    let writer: any DatabaseWriter
    /// When the band index's levels are merged; tests make them small.
    var bandLevels = BandIndexLevels.standard
    /// The WAL's checkpoints, off the writer (a database file opened for writing only).
    let checkpoints: WALCheckpoints?
    /// Which keys the band index's middle and last levels may hold (a database file opened for writing only).
    let bandFilter: BandKeyFilter?

    /// Opens (creating if needed) the database at `path` in WAL mode and brings its schema up to date. What the
    /// checkpointer cannot do (a WAL it cannot start over, a failed checkpoint) goes to `logger`.
    public static func open(path: String, logger: Logger = Logger(label: "corpusd.store")) throws -> CorpusDatabase {
        try open(path: path, walRestartSize: WALCheckpoints.restartSize, logger: logger)
    }

    /// `open(path:)` with the WAL started over past another size, waiting another time for readers (tests).
    static func open(path: String, walRestartSize: WALRestartSize, restartWait: TimeInterval = WALCheckpoints.restartWait,
                     logger: Logger = Logger(label: "corpusd.store")) throws -> CorpusDatabase
    {
        let pool = try DatabasePool(path: path, configuration: makeConfiguration())
        let checkpoints = try WALCheckpoints(path: path, pool: pool, restartSize: walRestartSize,
                                             restartWait: restartWait, logger: logger)
        let database = try CorpusDatabase(pool, checkpoints: checkpoints, bandFilter: BandKeyFilter())
        database.bandFilter?.fillInBackground(from: database, logger: logger)
        return database
    }

    /// Waits until the filter of the band index's keys, filled in the background after `open`, is ready (benchmarks).
    public func waitForBandFilter() { bandFilter?.waitForBackgroundFill() }

    /// Opens an existing database for reading only; never creates or migrates anything.
    public static func openReadOnly(path: String) throws -> CorpusDatabase {
        var config = makeConfiguration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        return CorpusDatabase(reader: queue)
    }

    /// An empty in-memory database, for tests.
    public static func inMemory() throws -> CorpusDatabase {
        try CorpusDatabase(DatabaseQueue(configuration: makeConfiguration()))
    }

    init(_ writer: any DatabaseWriter, checkpoints: WALCheckpoints? = nil, bandFilter: BandKeyFilter? = nil) throws {
        self.writer = writer
        self.checkpoints = checkpoints
        self.bandFilter = bandFilter
        try Migrations.migrator.migrate(writer)
    }

    private init(reader: DatabaseQueue) {
        self.writer = reader
        checkpoints = nil
        bandFilter = nil
    }

    /// The writer connection's page cache (BENCHMARKS.md, "The writer's share", "Transactions that fit the cache"). 8 MiB
    /// since the full-text rows and source lines stopped dirtying pages at random ("The writer's pages"): 16 MiB cost
    /// 10–17 MiB of peak RSS for no CPU gain measured.
    static let writerCacheKiB = 8_192

    /// How long a connection waits for a lock another holds before it gives up.
    static let busyTimeout: TimeInterval = 5

    static func makeConfiguration() -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.prepareDatabase { db in
            // A recorded outcome must be on disk before its original is moved.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // Statement journals (kept while a statement that writes several rows or fires triggers runs inside
                // the recording transaction) go to a temporary file once one spills past 64 KiB, and then every later
                // one of the transaction does too: ~0.5 MB of writes per JSON Lines entry, 10 % of its CPU. In memory
                // they are truncated after each statement. The writer's own sorts are small (the readers keep the
                // default: a large sort for corpusctl may spill to disk).
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
                // The writer's page cache holds a recording transaction's pages (see `EntryIngest.chunkSize`) beside
                // the B-trees' upper levels; readers keep SQLite's default of 2 MiB each.
                try db.execute(sql: "PRAGMA cache_size = -\(writerCacheKiB)")
                try keepWALFiles(db)
            }
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        return config
    }

    /// Keeps -wal and -shm after the daemon closes, so that read-only readers (corpusctl, members of the service
    /// group without write access to the folder) can always open the file. Every connection that may write must
    /// say so: the last one to close deletes them otherwise.
    static func keepWALFiles(_ db: Database) throws {
        var persist: CInt = 1
        let code = sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &persist)
        // An in-memory database (tests) has no WAL file to keep: SQLITE_NOTFOUND.
        guard code == SQLITE_OK || code == SQLITE_NOTFOUND else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code))
        }
    }

    /// One transaction that need not survive a power cut, committed without waiting for the disk
    /// (`synchronous = NORMAL`; the connection is back to `FULL` after it). In WAL mode a commit is in the
    /// WAL file when this returns, so a crash of the process (kill -9) cannot lose it; a power cut or a
    /// crash of the system can lose it and the commits after it, never a commit before the last `FULL`
    /// one. Used for writes the replay after such a loss redoes by itself (see docs/ARCHITECTURE.md,
    /// "Durability"); never for a recorded outcome.
    func writeUnsynced<T>(_ updates: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer {
                // Cannot fail short of a broken connection, whose next write fails anyway.
                try? db.execute(sql: "PRAGMA synchronous = FULL")
            }
            var result: T?
            try db.inTransaction {
                result = try updates(db)
                return .commit
            }
            return result!
        }
    }

    /// True when the file holds migrations this build does not know: it was written by a newer corpusd.
    public func schemaIsNewerThanThisBuild() throws -> Bool {
        try writer.read { db in try Migrations.migrator.hasBeenSuperseded(db) }
    }
}

// MARK: - Writes: the queue

extension CorpusDatabase {
    /// Records files seen in the inbox as pending items. A path that already has a live item is
    /// left alone, so seeing a file again (inotify and the poll both saw it) is harmless.
    ///
    /// `seenSince` (default: `now`) is when the look at the inbox that found these files began. A path whose item was
    /// disposed of after that moment is left alone too: what was seen was the original that has
    /// just been moved to archive/ or failed/, not a new file (the race between a scan and the ingestor).
    /// Writes at most `chunk` rows per transaction so that the ingestor is never kept waiting long.
    /// Returns how many new items were created.
    @discardableResult
    public func register(_ candidates: [InboxCandidate], seenSince: Date? = nil, now: Date, chunk: Int = 2000) throws -> Int {
        let seenSince = seenSince ?? now
        var created = 0
        var start = candidates.startIndex
        while start < candidates.endIndex {
            let slice = candidates[start..<min(candidates.endIndex, start + chunk)]
            start = slice.endIndex
            // Unsynced: a registration lost to a power cut is made again by the start-up scan (the file is still there).
            created += try writeUnsynced { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO item (path, name, size, mtime, first_seen, state)
                    SELECT ?1, ?2, ?3, ?4, ?5, 'pending'
                    WHERE NOT EXISTS (SELECT 1 FROM item WHERE path = ?1 AND disposed_at > ?6)
                    ON CONFLICT (path) WHERE disposed_at IS NULL DO NOTHING
                    """)
                var created = 0
                for candidate in slice {
                    try statement.execute(arguments: [
                        Data(candidate.path.bytes), candidate.path.description, candidate.size, candidate.mtime,
                        now.timeIntervalSince1970, seenSince.timeIntervalSince1970,
                    ])
                    created += db.changesCount
                }
                return created
            }
        }
        return created
    }

    /// Paths that have a live (not yet disposed) item, among `paths`.
    public func livePaths(among paths: [InboxPath]) throws -> Set<InboxPath> {
        guard !paths.isEmpty else { return [] }
        return try writer.read { db in
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM item WHERE path = ? AND disposed_at IS NULL")
            var live = Set<InboxPath>()
            for path in paths where try Bool.fetchOne(statement, arguments: [Data(path.bytes)]) != nil {
                live.insert(path)
            }
            return live
        }
    }

    /// Takes up to `limit` pending items, oldest first, for `worker`, leased until `now + lease`.
    ///
    /// An item whose processing was interrupted before (the daemon died with it claimed) is taken
    /// alone: if it is what kills the daemon, it alone reaches `maxAttempts` and is set aside, and the
    /// files that happened to share its batch are not blamed with it.
    public func claim(limit: Int, worker: String, lease: TimeInterval, now: Date) throws -> [ClaimedItem] {
        // Unsynced: a claim lost to a power cut leaves its items pending, as they were.
        try writeUnsynced { db in
            let due = now.timeIntervalSince1970
            let suspect = try Int64.fetchOne(db, sql: """
                SELECT id FROM item WHERE state = 'pending' AND attempts > 0 AND (not_before IS NULL OR not_before <= ?)
                ORDER BY id LIMIT 1
                """, arguments: [due])
            let chosen = suspect != nil ? "SELECT ?" : """
                SELECT id FROM item
                WHERE state = 'pending' AND attempts = 0 AND (not_before IS NULL OR not_before <= ?)
                ORDER BY id LIMIT ?
                """
            let arguments: StatementArguments = suspect.map { [worker, due + lease, $0] } ?? [worker, due + lease, due, limit]
            let rows = try Row.fetchAll(db, sql: """
                UPDATE item SET state = 'processing', claimed_by = ?, lease_until = ?, attempts = attempts + 1
                WHERE id IN (\(chosen))
                RETURNING id, path, size, attempts
                """, arguments: arguments)
            return rows.map { row in
                ClaimedItem(id: row["id"], path: InboxPath(bytes: [UInt8](row["path"] as Data)),
                            size: row["size"], attempts: row["attempts"])
            }.sorted { $0.id < $1.id }
        }
    }

    /// Puts items back in the queue after a failure that was not theirs (disk full, database busy),
    /// to be tried again no sooner than `notBefore`. The claim does not count as an interrupted attempt.
    public func release(_ ids: [Int64], error: String, notBefore: Date) throws {
        guard !ids.isEmpty else { return }
        try writer.write { db in
            try db.execute(sql: """
                UPDATE item SET state = 'pending', claimed_by = NULL, lease_until = NULL, reason = ?, not_before = ?,
                    attempts = MAX(attempts - 1, 0)
                WHERE id IN (\(ids.map(String.init).joined(separator: ","))) AND state = 'processing'
                """, arguments: [error, notBefore.timeIntervalSince1970])
        }
    }

    /// Returns to the queue every item a dead worker left in `processing`: any whose lease ran out and,
    /// given a `workerPrefix`, those claimed under it (this node's previous run, known dead at start-up).
    @discardableResult
    public func recoverAbandoned(workerPrefix: String?, now: Date) throws -> Int {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE item SET state = 'pending', claimed_by = NULL, lease_until = NULL
                WHERE state = 'processing' AND (lease_until < ? OR claimed_by LIKE ? ESCAPE '\\')
                """, arguments: [now.timeIntervalSince1970, workerPrefix.map(Self.likePrefix)])
            return db.changesCount
        }
    }

    private static func likePrefix(_ prefix: String) -> String {
        prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }
}

// MARK: - Writes: outcomes

extension CorpusDatabase {
    /// Records the outcome of every processed item in one transaction: new documents with their tags,
    /// duplicates pointing at the document they repeat, failures with their reason.
    /// Deduplication is decided here, inside the transaction, against what is already stored
    /// (near-duplicates and story links by `policy`; see `CorpusDatabase+NearDuplicates.swift`).
    public func record(_ processed: [ProcessedItem], now: Date, policy: NearDuplicatePolicy = .init()) throws -> [RecordedItem] {
        guard !processed.isEmpty else { return [] }
        return try writer.write { db in
            try indexingNewDocuments(db) {
                var recorded: [RecordedItem] = []
                for item in processed {
                    let outcome = try recordOutcome(of: item, policy: policy, db: db, now: now)
                    recorded.append(RecordedItem(id: item.item.id, path: item.item.path, outcome: outcome))
                }
                return try withFirstSeen(recorded, db: db)
            }
        }
    }

    /// Runs `body`, which may store documents, then adds the documents it stored to the full-text index in one
    /// statement; every transaction that stores documents goes through here.
    ///
    /// No trigger adds them one by one: the SQLite here (3.40) has FTS5 write out the terms it holds in memory as a
    /// new segment at the start of every statement that opens a savepoint while it holds some, and every statement
    /// that fires a trigger does (the document's own insert, the item's update). Each document then became a
    /// segment of its own, which FTS5's merges read and wrote again at every level as the index grew; now a
    /// recording transaction makes one (BENCHMARKS.md, "One full-text segment per transaction").
    func indexingNewDocuments<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let before = try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) FROM document")) ?? 0
        let result = try body()
        try db.cachedStatement(sql: "INSERT INTO document_fts (rowid, title, body) SELECT id, title, body FROM document WHERE id > ?")
            .execute(arguments: [before])
        return result
    }

    func outcome(of item: ProcessedItem, policy: NearDuplicatePolicy, db: Database, now: Date) throws -> ItemOutcome {
        // Byte-identical to a file already seen: a duplicate whether or not it parses.
        if let raw = item.rawHash,
            let original = try db.cachedStatement(sql: """
                SELECT document_id FROM item WHERE raw_sha256 = ? AND document_id IS NOT NULL AND id <> ? LIMIT 1
                """).int64Direct(Data(raw.bytes), item.item.id)
        {
            return .duplicate(of: original, kind: .exactBytes, similarity: 1)
        }
        switch item.result {
        case .failure(let failure):
            return .failed(reason: failure.description)
        case .success(let extracted):
            if let original = try db.cachedStatement(sql: "SELECT id FROM document WHERE body_hash = ?")
                .int64Direct(Data(extracted.bodyHash.bytes))
            {
                return .duplicate(of: original, kind: .sameText, similarity: 1)
            }
            if let near = try nearDuplicate(of: extracted.nearDuplicate, ahead: item.nearAhead, policy: policy, db: db) {
                return .duplicate(of: near.documentID, kind: .near, similarity: near.similarity)
            }
            let id = try insertDocument(extracted, item: item.item, db: db, now: now)
            try fileRelations(of: id, extracted, policy: policy, now: now, db: db)
            return .stored(documentID: id)
        }
    }

    func insertDocument(_ extracted: ExtractedArticle, item: ClaimedItem, db: Database, now: Date) throws -> Int64 {
        let a = extracted.article
        try db.cachedStatement(sql: """
            INSERT INTO document (title, source, url, published, published_at, byline, summary, body, body_hash,
                                  word_count, encoding, item_id, file, ingested_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).runDirect(
                a.title, a.source, a.url, a.published?.iso8601, a.published?.date.timeIntervalSince1970, a.byline,
                a.summary, a.body, Data(extracted.bodyHash.bytes), extracted.wordCount, extracted.encoding.rawValue,
                item.id, item.path.fileName, now.timeIntervalSince1970)
        let documentID = db.lastInsertedRowID
        try link(documentID, to: extracted.tags, new: true, db: db)
        if extracted.tags.contains(where: { Self.declaredOrigins.contains($0.origin) }), try isLabelled(documentID, db: db) {
            try moveCorpusStat(Self.labelledCounter, by: 1, db: db)
        }
        try learnFurniture(from: a, db: db, now: now)
        return documentID
    }

    /// Links a document to its tags, creating the tags it is the first to carry. A `new` document (inserted in this
    /// transaction) can have no rejected tags: its id is new, and a deleted document's rejections went with it.
    func link(_ documentID: Int64, to tags: [AssignedTag], new: Bool = false, db: Database) throws {
        // A read first: the upsert writes the tag's row even when it is there (nearly always).
        let findTag = try db.cachedStatement(sql: "SELECT id FROM tag WHERE slug = ?")
        let upsertTag = try db.cachedStatement(sql: """
            INSERT INTO tag (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO UPDATE SET slug = slug RETURNING id
            """)
        // A tag a person rejected on the document is never linked again (`rejectTags`).
        let rejected = try db.cachedStatement(sql: "SELECT 1 FROM document_tag_rejected WHERE document_id = ? AND tag_id = ?")
        // One row of VALUES, updated in place on a conflict: SQLite keeps no statement journal for it (an INSERT … SELECT
        // or OR REPLACE kept one of ~3.6 pages per link inside the recording transaction).
        let upsertLink = try db.cachedStatement(sql: """
            INSERT INTO document_tag (document_id, tag_id, origin, score, evidence) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (document_id, tag_id) DO UPDATE SET origin = excluded.origin, score = excluded.score, evidence = excluded.evidence
            """)
        for tag in tags {
            guard let tagID = try findTag.int64Direct(tag.slug) ?? upsertTag.int64Direct(tag.slug, tag.name),
                try new || rejected.int64Direct(documentID, tagID) == nil
            else { continue }
            try upsertLink.runDirect(documentID, tagID, tag.origin.rawValue, tag.score, tag.evidence)
        }
    }

    func finish(_ item: ProcessedItem, outcome: ItemOutcome, db: Database, now: Date) throws {
        var documentID: Int64?
        var reason: String?
        var kind: String?
        var similarity: Double?
        switch outcome {
        case .stored(let id): documentID = id
        case .duplicate(let id, let k, let s):
            documentID = id
            kind = k.rawValue
            similarity = s
        case .failed(let r): reason = r
        }
        try db.cachedStatement(sql: """
            UPDATE item SET state = ?, reason = ?, document_id = ?, duplicate_kind = ?, similarity = ?,
                raw_sha256 = ?, finished_at = ?, claimed_by = NULL, lease_until = NULL, not_before = NULL
            WHERE id = ?
            """).runDirect(
                outcome.state.rawValue, reason, documentID, kind, similarity, item.rawHash.map { Data($0.bytes) },
                now.timeIntervalSince1970, item.item.id)
    }

    /// Records the destination chosen for each item's original (relative to the state folder) before it is
    /// moved, in one transaction: after a crash between the move and `markDisposed`, the original is
    /// looked for there.
    public func planDisposals(_ plans: [(id: Int64, destination: [UInt8])]) throws {
        guard !plans.isEmpty else { return }
        // Unsynced: a kill -9 cannot lose it; after a power cut that did, the replay finds an original already
        // moved as it did before plans were kept (see docs/ARCHITECTURE.md, "Durability").
        try writeUnsynced { db in
            let statement = try db.cachedStatement(sql: "UPDATE item SET disposing_to = ? WHERE id = ?")
            for plan in plans { try statement.execute(arguments: [Data(plan.destination), plan.id]) }
        }
    }

    /// Records where each item's original now lives (relative to the state folder; empty when it was
    /// already gone), in one transaction.
    public func markDisposed(_ moves: [(id: Int64, destination: [UInt8])], now: Date) throws {
        guard !moves.isEmpty else { return }
        // Unsynced: the outcome, written before the move, is durable; see docs/ARCHITECTURE.md, "Durability".
        try writeUnsynced { db in
            let statement = try db.cachedStatement(sql: "UPDATE item SET disposed_path = ?, disposed_at = ? WHERE id = ?")
            for move in moves {
                try statement.execute(arguments: [Data(move.destination), now.timeIntervalSince1970, move.id])
            }
        }
    }

    /// Items with a recorded outcome whose original was not moved yet (the daemon stopped in between).
    /// Asked after every drain of the queue and every poll of an idle daemon.
    public func undisposed(limit: Int) throws -> [UndisposedItem] {
        try writer.read { db in
            try Row.fetchAll(db, sql: Self.undisposedQuery, arguments: [limit]).map { row in
                UndisposedItem(id: row["id"], path: InboxPath(bytes: [UInt8](row["path"] as Data)),
                               state: ItemState(rawValue: row["state"]) ?? .failed,
                               destination: (row["disposing_to"] as Data?).map { [UInt8]($0) })
            }
        }
    }
}

// MARK: - Reads

extension CorpusDatabase {
    /// The undisposed items, read through their partial index (a handful of rows at most). Left to itself, SQLite
    /// picks `item_state` for the `IN`, which reads every stored item's row: at 250,000 items, ~90 MB and ~6 % of
    /// a core every few seconds of an idle daemon.
    static let undisposedQuery = "SELECT id, path, state, disposing_to \(undisposedItems) ORDER BY id LIMIT ?"

    /// The items `item_undisposed` indexes, through it (its own condition, which the query must repeat to use it).
    static let undisposedItems = """
        FROM item INDEXED BY item_undisposed WHERE disposed_at IS NULL AND state IN ('stored','duplicate','failed')
        """
}

extension CorpusDatabase {
    /// A `corpus_stat` value; nil when it was never set.
    func corpusStat(_ name: String, db: Database) throws -> Int64? {
        try db.cachedStatement(sql: "SELECT value FROM corpus_stat WHERE name = ?").int64Direct(name)
    }

    /// Moves a `corpus_stat` counter kept by the code (not by a trigger) by `change`, in the caller's transaction.
    func moveCorpusStat(_ name: String, by change: Int, db: Database) throws {
        try db.cachedStatement(sql: "UPDATE corpus_stat SET value = value + ? WHERE name = ?").runDirect(change, name)
    }

    /// Items per state, documents and the last recorded outcome from the counters the triggers keep (see
    /// Migrations, "corpus counters kept by triggers"): the same cost at a million documents as at ten. Only
    /// the queue's own figures (oldest pending, retrying) are counted, over the pending items alone.
    public func counts() throws -> CorpusCounts {
        try writer.read { db in
            var items: [ItemState: Int] = [:]
            var documents = 0
            var last: Double?
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM corpus_stat") {
                let name: String = row["name"]
                if name == "documents" {
                    documents = row["value"]
                } else if name == "last_ingest" {
                    last = row["value"]
                } else if name.hasPrefix("items."), let state = ItemState(rawValue: String(name.dropFirst(6))) {
                    let count: Int = row["value"]
                    if count != 0 { items[state] = count }
                }
            }
            let oldest = try Double.fetchOne(db, sql: "SELECT MIN(first_seen) FROM item WHERE state = 'pending'")
            let retrying = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE state = 'pending' AND not_before IS NOT NULL") ?? 0
            return CorpusCounts(items: items, documents: documents,
                                lastIngest: last.map(Date.init(timeIntervalSince1970:)),
                                oldestPending: oldest.map(Date.init(timeIntervalSince1970:)), retrying: retrying)
        }
    }

    /// The same figures as `counts()`, counted from the rows themselves (a full scan): what `check` compares
    /// the counters with.
    public func countedCounts() throws -> CorpusCounts {
        try writer.read { db in
            var items: [ItemState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM item GROUP BY state") {
                if let state = ItemState(rawValue: row["state"]) { items[state] = row["n"] }
            }
            let documents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0
            let last = try Double.fetchOne(db, sql: "SELECT MAX(finished_at) FROM item WHERE state <> 'failed'")
            let oldest = try Double.fetchOne(db, sql: "SELECT MIN(first_seen) FROM item WHERE state = 'pending'")
            let retrying = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE state = 'pending' AND not_before IS NOT NULL") ?? 0
            return CorpusCounts(items: items, documents: documents,
                                lastIngest: last.map(Date.init(timeIntervalSince1970:)),
                                oldestPending: oldest.map(Date.init(timeIntervalSince1970:)), retrying: retrying)
        }
    }

    /// Documents newest first (by ingestion), filtered by tags.
    public func documents(matching query: DocumentQuery) throws -> [DocumentSummary] {
        try documents(filter: DocumentFilter(allTags: query.allTags), limit: query.limit, offset: query.offset)
    }

    /// Tags of one document with their origin and explanation.
    public func tags(ofDocument id: Int64) throws -> [AssignedTag] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.slug, t.name, dt.origin, dt.score, dt.evidence FROM document_tag dt JOIN tag t ON t.id = dt.tag_id
                WHERE dt.document_id = ? ORDER BY t.slug
                """, arguments: [id]).map { row in
                AssignedTag(slug: row["slug"], name: row["name"], origin: TagOrigin(rawValue: row["origin"]) ?? .rule,
                            score: row["score"], evidence: row["evidence"])
            }
        }
    }

    /// The item rows, for tests and `queue`: id, display path, state, reason, document.
    public func items(state: ItemState? = nil, limit: Int = 1000) throws -> [ItemRow] {
        try writer.read { db in
            var sql = "SELECT \(ItemRow.columns) FROM item"
            var arguments: StatementArguments = []
            if let state {
                sql += " WHERE state = ?"
                _ = arguments.append(contentsOf: [state.rawValue])
            }
            sql += " ORDER BY id LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(ItemRow.init(row:))
        }
    }

    /// Runs `PRAGMA integrity_check`; returns "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }
}

/// One item as `queue` and the tests see it.
public struct ItemRow: Sendable, Hashable, Codable {
    public var id: Int64
    public var name: String
    public var size: Int64
    public var state: ItemState
    public var reason: String?
    public var documentID: Int64?
    public var duplicateKind: String?
    public var similarity: Double?
    public var firstSeen: Date
    public var finishedAt: Date?
    public var disposedPath: String?

    /// The columns `init(row:)` reads.
    static let columns = "id, name, size, state, reason, document_id, duplicate_kind, similarity, first_seen, finished_at, disposed_path"

    init(row: Row) {
        id = row["id"]
        name = row["name"]
        size = row["size"]
        state = ItemState(rawValue: row["state"]) ?? .failed
        reason = row["reason"]
        documentID = row["document_id"]
        duplicateKind = row["duplicate_kind"]
        similarity = row["similarity"]
        firstSeen = Date(timeIntervalSince1970: row["first_seen"])
        finishedAt = (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        disposedPath = (row["disposed_path"] as Data?).map { String(decoding: $0, as: UTF8.self) }
    }
}
