import Foundation
import GRDB

// MARK: - The threshold the corpus was judged with

/// The near-duplicate threshold a corpus's outcomes were judged with, as the corpus records it.
public struct NearJudgement: Sendable, Hashable, Codable {
    /// nil: near-duplicate detection was off.
    @NullEncoded public var threshold: Double?
    /// False while a re-check to `threshold` is under way, and after one was interrupted.
    public var complete: Bool
    public var judgedAt: Date

    public init(threshold: Double?, complete: Bool, judgedAt: Date) {
        self.threshold = threshold
        self.complete = complete
        self.judgedAt = judgedAt
    }
}

extension CorpusDatabase {
    /// What the corpus records; nil for a corpus that never recorded one (created before it was kept).
    public func nearJudgement() throws -> NearJudgement? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT threshold, complete, judged_at FROM near_judgement WHERE id = 1").map { row in
                NearJudgement(threshold: row["threshold"], complete: row["complete"],
                              judgedAt: Date(timeIntervalSince1970: row["judged_at"]))
            }
        }
    }

    public func recordNearJudgement(_ judgement: NearJudgement) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO near_judgement (id, threshold, complete, judged_at) VALUES (1, ?, ?, ?)",
                           arguments: [judgement.threshold, judgement.complete, judgement.judgedAt.timeIntervalSince1970])
        }
    }

    /// Records `threshold` as the corpus's when it has none yet (a new corpus is judged with the threshold
    /// it is first run with); returns what the corpus records afterwards.
    public func adoptNearJudgement(threshold: Double?, now: Date) throws -> NearJudgement {
        try writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO near_judgement (id, threshold, complete, judged_at) VALUES (1, ?, 1, ?)",
                           arguments: [threshold, now.timeIntervalSince1970])
            let row = try Row.fetchOne(db, sql: "SELECT threshold, complete, judged_at FROM near_judgement WHERE id = 1")!
            return NearJudgement(threshold: row["threshold"], complete: row["complete"],
                                 judgedAt: Date(timeIntervalSince1970: row["judged_at"]))
        }
    }
}

// MARK: - Re-check

/// What `dedup --recheck` did.
public struct RecheckSummary: Sendable, Hashable, Codable {
    /// A document found to repeat an earlier one: now its near-duplicate, with its copies.
    public struct Merge: Sendable, Hashable, Codable {
        public var document: Int64
        public var into: Int64
        public var similarity: Double
    }
    /// A copy judged again (its similarity had fallen below the threshold, or its document was merged away)
    /// that is no longer a duplicate of `from`: now its own document, or a duplicate of another.
    public struct Split: Sendable, Hashable, Codable {
        public var item: Int64
        public var from: Int64
        public var outcome: ItemState
        public var document: Int64
        @NullEncoded public var kind: DuplicateKind?
        @NullEncoded public var similarity: Double?
    }
    /// A copy whose original could not be read again or no longer parses: it stays a duplicate.
    public struct Unreadable: Sendable, Hashable, Codable {
        public var item: Int64
        public var reason: String
    }
    @NullEncoded public var threshold: Double?
    public var documentsChecked: Int
    public var copiesChecked: Int
    public var merged: [Merge]
    public var split: [Split]
    public var unreadable: [Unreadable]

    public init(threshold: Double?) {
        self.threshold = threshold
        documentsChecked = 0
        copiesChecked = 0
        merged = []
        split = []
        unreadable = []
    }
}

/// A near-duplicate copy a re-check must judge again, and where its original is.
public struct CopyToRejudge: Sendable, Hashable {
    public var itemID: Int64
    public var documentID: Int64
    public var judgedAgainst: Int64?
    public var similarity: Double
    /// The original's path in the inbox when it arrived (the container's, for an entry of a multi-article file).
    public var originalName: InboxPath
    /// The entry's 1-based position in its container, for an entry.
    public var entryIndex: Int?
    /// Where the original is now, relative to the state folder (`archive/…`); nil when it was never moved.
    public var original: [UInt8]?
}

/// How a re-judged copy ended.
public enum RejudgedCopy: Sendable, Hashable {
    /// Still a near-duplicate of its document (its similarity recorded afresh).
    case kept(similarity: Double)
    /// No longer a duplicate of `from`.
    case split(RecheckSummary.Split)
    /// The copy changed meanwhile (another re-check, or a retry): nothing done.
    case changed
}

extension CorpusDatabase {
    /// Phase one of a re-check. Re-runs near-duplicate detection over every stored document in id order
    /// (the first stored stays canonical): re-files its band keys and, when an earlier document is now
    /// similar enough, makes it a near-duplicate of that one — its item, and its copies with it; its row
    /// goes. Works in small transactions so that ingestion goes on meanwhile; `progress(done, total)` after each.
    ///
    /// A merged document's copies that had its exact body (exact bytes, same text) are as similar to the
    /// canonical document as it is, and are recorded so; its near copies were measured against it alone,
    /// so they keep `judged_against` and are judged again by `rejudge`.
    public func recheckMerges(policy: NearDuplicatePolicy, chunk: Int = 200, now: Date,
                              progress: (Int, Int) -> Void) throws -> [RecheckSummary.Merge]
    {
        let ids = try writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM document ORDER BY id") }
        var merges: [RecheckSummary.Merge] = []
        var start = 0
        while start < ids.count {
            let slice = ids[start..<min(start + chunk, ids.count)]
            merges += try writer.write { db in try slice.compactMap { try recheck($0, policy: policy, now: now, db: db) } }
            start += slice.count
            progress(start, ids.count)
        }
        return merges
    }

    private func recheck(_ id: Int64, policy: NearDuplicatePolicy, now: Date, db: Database) throws -> RecheckSummary.Merge? {
        guard let row = try Row.fetchOne(db, sql: "SELECT body, item_id FROM document WHERE id = ?", arguments: [id]) else { return nil }
        let fingerprint = NearDuplicate.fingerprint(normalizedBody: Normalizer.normalize(row["body"] as String))
        try unfileBands(id, fallback: fingerprint.bandKeys, db: db)
        guard let (canonical, similarity) = try nearDuplicate(of: fingerprint, policy: policy, before: id, db: db) else {
            try fileBands(id, fingerprint, db: db)
            return nil
        }
        let itemID: Int64 = row["item_id"]
        try db.execute(sql: """
            UPDATE item SET duplicate_kind = 'near', similarity = ?
            WHERE id IN (SELECT item_id FROM document_copy WHERE document_id = ? AND kind <> 'near')
            """, arguments: [similarity, id])
        try db.execute(sql: """
            UPDATE document_copy SET kind = 'near', similarity = ?, judged_against = ? WHERE document_id = ? AND kind <> 'near'
            """, arguments: [similarity, canonical, id])
        try db.execute(sql: "UPDATE document_copy SET document_id = ? WHERE document_id = ?", arguments: [canonical, id])
        try db.execute(sql: """
            INSERT OR REPLACE INTO document_copy (item_id, document_id, kind, similarity, file, source, title, url, published, seen_at,
                                                  judged_against)
            SELECT ?, ?, 'near', ?, file, source, title, url, published, ingested_at, ? FROM document WHERE id = ?
            """, arguments: [itemID, canonical, similarity, canonical, id])
        try db.execute(sql: "UPDATE item SET document_id = ? WHERE document_id = ?", arguments: [canonical, id])
        try db.execute(sql: "UPDATE item SET state = 'duplicate', duplicate_kind = 'near', similarity = ? WHERE id = ?",
                       arguments: [similarity, itemID])
        if try isLabelled(id, db: db) { try moveCorpusStat(Self.labelledCounter, by: -1, db: db) }
        try db.execute(sql: "DELETE FROM document WHERE id = ?", arguments: [id])
        return RecheckSummary.Merge(document: id, into: canonical, similarity: similarity)
    }

    private static let unsettledCopies = """
        FROM document_copy c JOIN item i ON i.id = c.item_id LEFT JOIN item p ON p.id = i.parent_id
        WHERE c.item_id > ?1 AND (c.judged_against IS NOT c.document_id OR (c.kind = 'near' AND (?2 IS NULL OR c.similarity < ?2)))
        """

    /// Copies a re-check at `threshold` must judge again, after item `after`, in item order: near copies
    /// below the threshold (all of them when detection is off) and copies whose document was merged away.
    public func copiesToRejudge(threshold: Double?, after: Int64, limit: Int) throws -> [CopyToRejudge] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.item_id, c.document_id, c.judged_against, c.similarity, i.entry_index,
                       COALESCE(p.path, i.path) AS original_name, COALESCE(p.disposed_path, p.disposing_to, i.disposed_path, i.disposing_to) AS original
                \(Self.unsettledCopies) ORDER BY c.item_id LIMIT ?3
                """, arguments: [after, threshold, limit]).map { row in
                CopyToRejudge(itemID: row["item_id"], documentID: row["document_id"], judgedAgainst: row["judged_against"],
                              similarity: row["similarity"],
                              originalName: InboxPath(bytes: [UInt8](row["original_name"] as Data)), entryIndex: row["entry_index"],
                              original: (row["original"] as Data?).flatMap { $0.isEmpty ? nil : [UInt8]($0) })
            }
        }
    }

    /// How many copies `copiesToRejudge` would list from the start.
    public func countCopiesToRejudge(threshold: Double?) throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) \(Self.unsettledCopies)", arguments: [0, threshold]) ?? 0 }
    }

    /// Phase two of a re-check, for one copy, in one transaction: its original, read and processed again
    /// (`extracted`), is compared with its document. At or above the threshold it stays (similarity
    /// recorded afresh). Below, it is judged as a newly arrived file would be, against the whole corpus
    /// except the document it leaves: exact bytes of another item, same text, near-duplicate of another
    /// document, or else a document of its own (tags, full-text row, band keys, story links, arrival time
    /// kept). Copies with the very same bytes (recorded as exact-bytes duplicates of that document) go with it.
    public func rejudge(_ copy: CopyToRejudge, extracted: ExtractedArticle, rawHash: Digest?, policy: NearDuplicatePolicy,
                        now: Date) throws -> RejudgedCopy
    {
        try writer.write { db in try indexingNewDocuments(db) {
            guard let current = try Row.fetchOne(db, sql: """
                SELECT c.document_id, c.judged_against, c.similarity, i.path, i.first_seen, i.raw_sha256
                FROM document_copy c JOIN item i ON i.id = c.item_id WHERE c.item_id = ? AND i.state = 'duplicate'
                """, arguments: [copy.itemID]),
                current["document_id"] == copy.documentID, current["judged_against"] == copy.judgedAgainst,
                current["similarity"] == copy.similarity
            else { return .changed }
            let leaving = copy.documentID
            let similarity = try similarity(of: extracted.nearDuplicate, toDocument: leaving, db: db)
            if let threshold = policy.threshold, similarity >= threshold {
                try db.execute(sql: "UPDATE document_copy SET similarity = ?, judged_against = document_id WHERE item_id = ?",
                               arguments: [similarity, copy.itemID])
                try db.execute(sql: "UPDATE item SET similarity = ? WHERE id = ?", arguments: [similarity, copy.itemID])
                return .kept(similarity: similarity)
            }
            let raw = (current["raw_sha256"] as Data?) ?? rawHash.map { Data($0.bytes) }
            let outcome: ItemOutcome
            if let raw, let original = try Int64.fetchOne(db, sql: """
                SELECT document_id FROM item WHERE raw_sha256 = ? AND document_id IS NOT NULL AND document_id <> ? AND id <> ? LIMIT 1
                """, arguments: [raw, leaving, copy.itemID])
            {
                outcome = .duplicate(of: original, kind: .exactBytes, similarity: 1)
            } else if let original = try Int64.fetchOne(db, sql: "SELECT id FROM document WHERE body_hash = ?",
                                                        arguments: [Data(extracted.bodyHash.bytes)]) {
                outcome = .duplicate(of: original, kind: .sameText, similarity: 1)
            } else if let near = try nearDuplicate(of: extracted.nearDuplicate, policy: policy, db: db) {
                outcome = .duplicate(of: near.documentID, kind: .near, similarity: near.similarity)
            } else {
                let item = ClaimedItem(id: copy.itemID, path: InboxPath(bytes: [UInt8](current["path"] as Data)), size: 0, attempts: 0)
                let id = try insertDocument(extracted, item: item, db: db, now: now)
                // Its arrival, not the re-check, is when it came: related stories are judged by it.
                try db.execute(sql: "UPDATE document SET ingested_at = ? WHERE id = ?", arguments: [current["first_seen"] as Double, id])
                try fileRelations(of: id, extracted, policy: policy, now: now, db: db)
                outcome = .stored(documentID: id)
            }
            let split: RecheckSummary.Split
            switch outcome {
            case .stored(let id):
                try db.execute(sql: "DELETE FROM document_copy WHERE item_id = ?", arguments: [copy.itemID])
                try db.execute(sql: """
                    UPDATE item SET state = 'stored', document_id = ?, duplicate_kind = NULL, similarity = NULL WHERE id = ?
                    """, arguments: [id, copy.itemID])
                split = .init(item: copy.itemID, from: leaving, outcome: .stored, document: id, kind: nil, similarity: nil)
            case .duplicate(let id, let kind, let similarity):
                try db.execute(sql: """
                    UPDATE document_copy SET document_id = ?, kind = ?, similarity = ?, judged_against = ? WHERE item_id = ?
                    """, arguments: [id, kind.rawValue, similarity, id, copy.itemID])
                try db.execute(sql: "UPDATE item SET document_id = ?, duplicate_kind = ?, similarity = ? WHERE id = ?",
                               arguments: [id, kind.rawValue, similarity, copy.itemID])
                split = .init(item: copy.itemID, from: leaving, outcome: .duplicate, document: id, kind: kind, similarity: similarity)
            case .failed:
                return .changed
            }
            if let raw {
                let followers = "SELECT c.item_id FROM document_copy c JOIN item i ON i.id = c.item_id "
                    + "WHERE c.document_id = ?1 AND c.kind = 'exact-bytes' AND i.raw_sha256 = ?2 AND c.item_id <> ?3"
                try db.execute(sql: "UPDATE item SET document_id = ?4 WHERE id IN (\(followers))",
                               arguments: [leaving, raw, copy.itemID, split.document])
                try db.execute(sql: "UPDATE document_copy SET document_id = ?4, judged_against = ?4 WHERE item_id IN (\(followers))",
                               arguments: [leaving, raw, copy.itemID, split.document])
            }
            return .split(split)
        } }
    }
}
