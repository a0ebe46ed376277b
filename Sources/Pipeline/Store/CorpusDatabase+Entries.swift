import Foundation
import GRDB

/// One entry of a multi-article file, processed and ready to be recorded as a child item.
public struct ProcessedEntry: Sendable {
    /// 1-based position in the file (the line number for JSON Lines), stable across replays.
    public var index: Int
    public var result: Result<ExtractedArticle, IntakeFailure>
    /// Its near-duplicate look-up, made ahead on a reader's snapshot, if it was.
    public var nearAhead: NearMatchAhead?

    public init(index: Int, result: Result<ExtractedArticle, IntakeFailure>, nearAhead: NearMatchAhead? = nil) {
        self.index = index
        self.result = result
        self.nearAhead = nearAhead
    }
}

/// How a container's entries ended, counted from their recorded rows.
public struct EntryCounts: Sendable, Hashable, Codable {
    public var stored = 0
    public var duplicate = 0
    public var failed = 0
    public var total: Int { stored + duplicate + failed }
}

extension CorpusDatabase {
    /// Entry indexes of `parent` that already reached stored or duplicate (an earlier, interrupted run
    /// recorded them): a replay skips them. Failed entries are tried again.
    public func settledEntries(of parent: Int64) throws -> Set<Int> {
        try writer.read { db in
            Set(try Int.fetchAll(db, sql: """
                SELECT entry_index FROM item WHERE parent_id = ? AND state IN ('stored','duplicate')
                """, arguments: [parent]))
        }
    }

    /// Records entries of the container `parent` as child items, in one transaction, deduplicated like
    /// files are. A child row is created (or, on replay, reused) per (parent, index); it has no file of its
    /// own, so it is born disposed and its path is the container's with `#index`. With `lease`, the container's
    /// claim is extended to it in the same transaction.
    ///
    /// Committed without waiting for the disk (`writeUnsynced`): the container's original stays in the inbox
    /// until its own outcome is committed by `finishContainer`, whose synced commit makes these durable too. A
    /// power cut before it can lose the entries recorded since the last synced commit (never an earlier one):
    /// the container is then still claimed or pending, and its replay records them again (`settledEntries`).
    public func recordEntries(_ entries: [ProcessedEntry], of parent: ClaimedItem, now: Date,
                              policy: NearDuplicatePolicy = .init(), lease: (worker: String, until: Date)? = nil) throws -> [ItemOutcome] {
        guard !entries.isEmpty else { return [] }
        return try writeUnsynced { db in try indexingNewDocuments(db) {
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO item (path, name, size, mtime, first_seen, state, parent_id, entry_index, disposed_at, attempts)
                VALUES (?, ?, 0, NULL, ?, 'processing', ?, ?, ?, 1)
                ON CONFLICT (parent_id, entry_index) WHERE parent_id IS NOT NULL
                DO UPDATE SET state = 'processing', reason = NULL, attempts = attempts + 1
                RETURNING id
                """)
            var outcomes: [ItemOutcome] = []
            for entry in entries {
                let path = parent.path.bytes + Array("#\(entry.index)".utf8)
                let display = String(decoding: path, as: UTF8.self)
                guard let id = try upsert.int64Direct(Data(path), display, now.timeIntervalSince1970, parent.id, entry.index,
                                                      now.timeIntervalSince1970)
                else { continue }
                let child = ProcessedItem(
                    item: ClaimedItem(id: id, path: InboxPath(bytes: path), size: 0, attempts: 1), rawHash: nil, result: entry.result,
                    nearAhead: entry.nearAhead)
                let outcome = try recordOutcome(of: child, policy: policy, db: db, now: now)
                outcomes.append(outcome)
            }
            if let lease { try Self.extendLease(parent.id, worker: lease.worker, until: lease.until, db: db) }
            return outcomes
        } }
    }

    /// The container's own outcome, from its recorded entries: stored (with no document of its own) when
    /// at least one entry became or matched a document, else failed with `failureReason` or the first
    /// entry's reason. Returns the state its original should be disposed by.
    @discardableResult
    public func finishContainer(_ parent: ClaimedItem, rawHash: Digest?, failureReason: String?, now: Date) throws -> ItemState {
        try writer.write { db in
            let counts = try Self.entryCounts(of: parent.id, db: db)
            var reason = failureReason
            let state: ItemState
            if reason == nil && counts.stored + counts.duplicate > 0 {
                state = .stored
            } else {
                state = .failed
                if reason == nil {
                    let first = try Row.fetchOne(db, sql: """
                        SELECT entry_index, reason FROM item WHERE parent_id = ? AND state = 'failed' ORDER BY entry_index LIMIT 1
                        """, arguments: [parent.id])
                    reason = "no article in \(counts.total) entries"
                        + (first.map { "; entry \($0["entry_index"] as Int): \($0["reason"] as String? ?? "?")" } ?? "")
                }
            }
            try db.execute(sql: """
                UPDATE item SET state = ?, reason = ?, entry_count = ?, raw_sha256 = ?, finished_at = ?,
                    claimed_by = NULL, lease_until = NULL, not_before = NULL
                WHERE id = ?
                """, arguments: [state.rawValue, reason, counts.total, rawHash.map { Data($0.bytes) },
                                 now.timeIntervalSince1970, parent.id])
            return state
        }
    }

    /// Keeps a long-running claim (a large stream) from being taken back as abandoned.
    public func extendLease(_ id: Int64, worker: String, until: Date) throws {
        try writer.write { db in try Self.extendLease(id, worker: worker, until: until, db: db) }
    }

    private static func extendLease(_ id: Int64, worker: String, until: Date, db: Database) throws {
        try db.execute(sql: "UPDATE item SET lease_until = ? WHERE id = ? AND claimed_by = ? AND state = 'processing'",
                       arguments: [until.timeIntervalSince1970, id, worker])
    }

    /// Counts of a container's entries by outcome.
    public func entryCounts(of parent: Int64) throws -> EntryCounts {
        try writer.read { db in try Self.entryCounts(of: parent, db: db) }
    }

    private static func entryCounts(of parent: Int64, db: Database) throws -> EntryCounts {
        var counts = EntryCounts()
        for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM item WHERE parent_id = ? GROUP BY state",
                                    arguments: [parent]) {
            switch ItemState(rawValue: row["state"]) {
            case .stored: counts.stored = row["n"]
            case .duplicate: counts.duplicate = row["n"]
            case .failed: counts.failed = row["n"]
            default: break
            }
        }
        return counts
    }
}
