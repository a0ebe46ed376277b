import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The shape of the LSH band index: three tables of (key, document) rows, each ordered by key, the way a
/// log-structured merge tree is.
///
/// A document's 25 band keys land at random places of the key order. Filed straight into one large index, each
/// key rewrites a leaf page the page cache no longer holds: at 225 k documents two thirds of everything the writer
/// wrote was `near_band`'s leaves, ~25 leaf writes per document (BENCHMARKS.md, "What the writer writes"). So new
/// keys go to `near_band_recent`, small enough to stay cached; when it holds `recentLimit` rows it is merged in key
/// order into `near_band_middle`, and a slice of the key space of `near_band_middle` is moved, in key order,
/// into `near_band`, the last level. The slices go round the key space once while the last level receives about
/// `1 / sweepShare` of its size, so each leaf of the last level is rewritten once per round, whatever its size:
/// the writes per document stay about the same as the corpus grows, and every merge is bounded.
struct BandIndexLevels: Sendable, Hashable {
    /// Rows the recent level holds before it is merged (2,000 documents of 25 keys: ~1 MB, cached).
    var recentLimit = 50_000
    /// The last level is swept once while `near_band_middle` takes in this share of the last level's rows.
    var sweepShare = 16

    static let standard = BandIndexLevels()

    /// Into how many slices of the key space the round is cut, for a last level of `lastRows` rows: one
    /// (everything moves at each merge) while the last level is small.
    func slices(lastRows: Int) -> UInt64 {
        UInt64(max(1, lastRows / max(1, recentLimit * sweepShare)))
    }
}

/// The key ranges a sweep of the band index's key space moves, one step at a time.
enum BandSweep {
    /// One step of a sweep over all 64-bit keys (in their signed order, as SQLite sorts them) that starts at
    /// `cursor` and covers 1/`slices` of the key space: the ranges to move (two when the step wraps past the
    /// largest key) and where the next step starts. Steps cover the key space without gaps or overlaps.
    static func step(from cursor: Int64, slices: UInt64) -> (ranges: [ClosedRange<Int64>], next: Int64) {
        // In the biased form, Int64.min is 0 and the signed order is the unsigned one.
        let start = biased(cursor)
        guard slices > 1 else {
            return (start == 0 ? [.min ... .max] : [cursor ... .max, .min ... cursor - 1], cursor)
        }
        let width = UInt64.max / slices + 1
        let (end, wrapped) = start.addingReportingOverflow(width)
        if !wrapped, end != 0 { return ([cursor...unbiased(end - 1)], unbiased(end)) }
        return ((end == 0 ? [cursor ... .max] : [cursor ... .max, .min ... unbiased(end - 1)]), unbiased(end))
    }

    /// The ranges of the step that went from `from` to `to` (a step's cursor and its next): the keys from `from`
    /// up to just before `to`, wrapping past the largest (round the whole key space when they are equal: a step of
    /// one slice). The same ranges `step` gave.
    static func ranges(from: Int64, to: Int64) -> [ClosedRange<Int64>] {
        if from < to { return [from ... to - 1] }
        if from == .min { return [.min ... .max] }
        return to == .min ? [from ... .max] : [from ... .max, .min ... to - 1]
    }

    private static func biased(_ key: Int64) -> UInt64 { UInt64(bitPattern: key) ^ (1 << 63) }
    private static func unbiased(_ value: UInt64) -> Int64 { Int64(bitPattern: value ^ (1 << 63)) }
}

extension CorpusDatabase {
    /// The band index's tables, newest level first, each with the `corpus_stat` counter of its rows where they are
    /// counted: the recent level's (when to merge) and the last's (how finely to sweep). A (key, document) row is in
    /// exactly one of them.
    static let bandLevels: [(table: String, counter: String?)] = [
        ("near_band_recent", recentCounter), ("near_band_middle", nil), ("near_band", lastCounter),
    ]
    static let bandLevelTables = bandLevels.map(\.table)
    private static let recentCounter = "near_band.recent", lastCounter = "near_band.rows", sweepCursor = "near_band.sweep"
    /// Documents taken out of the band index so far (a look-up made ahead of a removal is made again).
    static let unfiledCounter = "near_band.unfiled"
    /// At least the highest document id in the older levels (the highest of all when the recent level was last
    /// merged): every filed document after it is in the recent level.
    static let mergedThroughCounter = "near_band.merged_through"
    /// `mergedThroughCounter` as it was before the last merge, and where that merge's sweep started (it ended at
    /// `sweepCursor`): what a look-up for the documents after an id needs to know when one merge has moved them
    /// since. Unset until the first merge of a version that keeps them.
    static let previousMergedThroughCounter = "near_band.previous_merged_through", sweptFromCounter = "near_band.swept_from"

    /// Which levels a look-up of the documents filed after `after` (all documents when nil) reads: the recent
    /// level alone when none of them has been merged; when one merge has moved them since, the recent and middle
    /// levels, and the last level only for keys that merge's sweep moved (`lastFor`); else all three.
    struct BandReadPlan: Equatable {
        var levels: Int
        /// Keys in these ranges are read in all three levels (nil: every key is read in `levels` levels).
        var lastFor: [ClosedRange<Int64>]?
    }

    func bandReadPlan(after: Int64?, db: Database) throws -> BandReadPlan {
        let all = BandReadPlan(levels: Self.bandLevels.count, lastFor: nil)
        // Read in all levels when a counter is missing: a database mid-migration, or not merged since they were kept.
        guard let after, let merged = try corpusStat(Self.mergedThroughCounter, db: db) else { return all }
        if merged <= after { return BandReadPlan(levels: 1, lastFor: nil) }
        guard let previous = try corpusStat(Self.previousMergedThroughCounter, db: db), previous <= after,
              let from = try corpusStat(Self.sweptFromCounter, db: db), let to = try corpusStat(Self.sweepCursor, db: db)
        else { return all }
        // Before the last merge every document after `after` was in the recent level; the merge moved them all to
        // the middle level, and those under the swept keys on to the last.
        return BandReadPlan(levels: 2, lastFor: BandSweep.ranges(from: from, to: to))
    }

    /// How many levels each key of a look-up is read in, most first (the order of its query): the recent level always;
    /// the older ones as the plan says, unless the filter rules the key out of both (an unfilled one rules out none).
    ///
    /// Each count of keys per number of levels is a statement of its own, prepared and kept by every connection that
    /// runs it (~70 KB for 25 keys): so the counts are rounded up to a multiple of `shapeStep`, a few keys being read
    /// in more levels than they need. Unrounded, the filter's 26 counts per plan added ~8 MiB to the daemon's
    /// resident memory over a 5,000-entry ingest.
    static func levelsRead(_ keys: [Int64], plan: BandReadPlan, filter: BandKeyFilter?, step: Int = shapeStep)
        -> [(key: Int64, levels: Int)]
    {
        var reads = keys.map { key in
            guard plan.levels > 1, filter?.mayContain(key) ?? true else { return (key: key, levels: 1) }
            let last = plan.levels == bandLevels.count || plan.lastFor?.contains(where: { $0.contains(key) }) == true
            return (key: key, levels: last ? bandLevels.count : 2)
        }
        reads.sort { $0.levels > $1.levels }
        // From the most levels down: the first n keys of each count, n rounded up, are read in at least that many.
        for levels in stride(from: bandLevels.count, to: 1, by: -1) {
            let count = reads.prefix { $0.levels >= levels }.count
            guard count > 0 else { continue }
            for i in count..<min(reads.count, (count + step - 1) / step * step) { reads[i].levels = levels }
        }
        return reads
    }

    /// The multiple the counts of keys per number of levels are rounded up to (`levelsRead`).
    static let shapeStep = 5

    /// The documents filed under each of `keys` in the band index, of each key the newest `limit` (with an id below
    /// `before` and above `after` when given), as (key, document) pairs in no particular order.
    func bandBuckets(_ keys: [Int64], limit: Int, before: Int64?, after: Int64? = nil, db: Database) throws
        -> [(key: Int64, document: Int64)]
    {
        let reads = Self.levelsRead(keys, plan: try bandReadPlan(after: after, db: db), filter: bandFilter)
        let bounds: [Int64] = [before, after].compactMap { $0 }
        var values: [Int64] = []
        values.reserveCapacity(keys.count * Self.bandLevels.count * (bounds.count + 2))
        for (key, levels) in reads {
            for _ in 0..<levels {
                values.append(key)
                values += bounds
                values.append(Int64(limit))
            }
        }
        let sql = Self.bucketQuery(BucketQueryShape(levels: reads.map(\.levels), before: before != nil, after: after != nil))
        var found: [(key: Int64, document: Int64)] = []
        try db.cachedStatement(sql: sql).forEachRowDirect(values) { row in
            found.append((sqlite3_column_int64(row, 0), sqlite3_column_int64(row, 1)))
        }
        // Each level gave its newest `limit`: of their union, the newest `limit` are those of the whole index.
        found.sort { $0.key != $1.key ? $0.key < $1.key : $0.document > $1.document }
        var kept: [(key: Int64, document: Int64)] = []
        kept.reserveCapacity(found.count)
        var run = 0
        for (i, pair) in found.enumerated() {
            run = i > 0 && found[i - 1].key == pair.key ? run + 1 : 0
            if run < limit { kept.append(pair) }
        }
        return kept
    }

    /// What a band look-up's SQL depends on.
    private struct BucketQueryShape: Hashable {
        /// Of each key, in the query's order, how many of `bandLevels` (the first ones) are read.
        var levels: [Int]
        var before: Bool
        var after: Bool
    }

    /// The SQL of each shape of band look-up, made once: ~9 KB for 25 keys in three levels, built and then hashed by
    /// GRDB's statement cache on every look-up otherwise.
    private static let bucketQueries = Mutex<[BucketQueryShape: String]>([:])

    /// One statement, one range of a primary key per key and level (each newest first, cut at the limit), rather
    /// than one statement per key: a statement's arguments, step and reset cost more than its few rows.
    private static func bucketQuery(_ shape: BucketQueryShape) -> String {
        if let sql = bucketQueries.withLock({ $0[shape] }) { return sql }
        let filter = "key = ?" + (shape.before ? " AND document_id < ?" : "") + (shape.after ? " AND document_id > ?" : "")
        func bucket(_ levels: Int) -> String {
            bandLevelTables.prefix(levels).map {
                "SELECT * FROM (SELECT key, document_id FROM \($0) WHERE \(filter) ORDER BY document_id DESC LIMIT ?)"
            }.joined(separator: " UNION ALL ")
        }
        let sql = shape.levels.map(bucket).joined(separator: " UNION ALL ")
        bucketQueries.withLock { $0[shape] = sql }
        return sql
    }

    /// Files a document under its band keys (in the recent level) and keeps its signature row (band keys and
    /// screen signature); merges the levels when the recent one is full.
    func fileBands(_ documentID: Int64, _ fingerprint: NearDuplicateFingerprint, db: Database) throws {
        guard !fingerprint.bandKeys.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO near_band_recent (key, document_id) VALUES (?, ?)")
        var filed = 0
        for key in fingerprint.bandKeys {
            try insert.runDirect(key, documentID)
            filed += db.changesCount
        }
        var keys = Data(capacity: fingerprint.bandKeys.count * 8)
        for key in fingerprint.bandKeys { withUnsafeBytes(of: key.littleEndian) { keys.append(contentsOf: $0) } }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO near_signature (document_id, band_keys, minhash) VALUES (?, ?, ?)")
            .runDirect(documentID, keys, Data(NearDuplicate.screenSignature(fingerprint.minHash)))
        let recent = Int(try db.cachedStatement(sql: "UPDATE corpus_stat SET value = value + ? WHERE name = ? RETURNING value")
            .int64Direct(filed, Self.recentCounter) ?? 0)
        if recent >= bandLevels.recentLimit { try mergeBandLevels(db: db) }
    }

    /// Merges the recent level into the middle one and moves the next slice of the key space from the middle
    /// level into the last (`BandIndexLevels`). Both are read and written in key order.
    private func mergeBandLevels(db: Database) throws {
        if let bandFilter {
            let keys = try Int64.fetchCursor(db.cachedStatement(sql: "SELECT key FROM near_band_recent"))
            while let key = try keys.next() { bandFilter.insert(key) }
        }
        try db.execute(sql: """
            INSERT OR IGNORE INTO near_band_middle (key, document_id)
            SELECT key, document_id FROM near_band_recent ORDER BY key, document_id
            """)
        try db.execute(sql: "DELETE FROM near_band_recent")
        let lastRows = Int(try corpusStat(Self.lastCounter, db: db) ?? 0)
        let cursor = try corpusStat(Self.sweepCursor, db: db) ?? .min
        let (ranges, next) = BandSweep.step(from: cursor, slices: bandLevels.slices(lastRows: lastRows))
        var moved = 0
        for range in ranges {
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO near_band (key, document_id)
                SELECT key, document_id FROM near_band_middle WHERE key BETWEEN ? AND ? ORDER BY key, document_id
                """).execute(arguments: [range.lowerBound, range.upperBound])
            moved += db.changesCount
            try db.cachedStatement(sql: "DELETE FROM near_band_middle WHERE key BETWEEN ? AND ?")
                .execute(arguments: [range.lowerBound, range.upperBound])
        }
        let set = try db.cachedStatement(sql: "UPDATE corpus_stat SET value = ? WHERE name = ?")
        try set.execute(arguments: [0, Self.recentCounter])
        try set.execute(arguments: [lastRows + moved, Self.lastCounter])
        try set.execute(arguments: [next, Self.sweepCursor])
        let keep = try db.cachedStatement(sql: "INSERT OR REPLACE INTO corpus_stat (name, value) VALUES (?, ?)")
        try keep.execute(arguments: [Self.sweptFromCounter, cursor])
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO corpus_stat (name, value) SELECT ?, value FROM corpus_stat WHERE name = ?
            """).execute(arguments: [Self.previousMergedThroughCounter, Self.mergedThroughCounter])
        try db.cachedStatement(sql: "UPDATE corpus_stat SET value = (SELECT COALESCE(MAX(id), 0) FROM document) WHERE name = ?")
            .execute(arguments: [Self.mergedThroughCounter])
    }

    /// Takes a document out of the band index: by the keys its signature row kept, else (a document stored
    /// before those rows existed) by `fallback`, the keys its body gives now.
    func unfileBands(_ documentID: Int64, fallback: [Int64], db: Database) throws {
        var keys = fallback
        if let stored = try Data.fetchOne(db.cachedStatement(sql: "SELECT band_keys FROM near_signature WHERE document_id = ?"),
                                          arguments: [documentID])
        {
            keys = stored.withUnsafeBytes { raw in
                (0..<raw.count / 8).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            }
        }
        for (table, counter) in Self.bandLevels {
            let delete = try db.cachedStatement(sql: "DELETE FROM \(table) WHERE key = ? AND document_id = ?")
            var deleted = 0
            for key in keys {
                try delete.execute(arguments: [key, documentID])
                deleted += db.changesCount
            }
            if let counter, deleted > 0 { try moveCorpusStat(counter, by: -deleted, db: db) }
        }
        try db.cachedStatement(sql: "DELETE FROM near_signature WHERE document_id = ?").execute(arguments: [documentID])
        try moveCorpusStat(Self.unfiledCounter, by: 1, db: db)
    }
}
