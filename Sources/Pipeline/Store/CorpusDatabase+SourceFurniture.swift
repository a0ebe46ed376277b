import Foundation
import GRDB

/// Boilerplate learned across the documents of one source: every stored document counts its body lines
/// (by hash) under its source, in the transaction that stores it; lines that reach
/// `SourceFurniture.minimumDocuments` are handed to the pipeline as that source's furniture.
extension CorpusDatabase {
    /// The most rows `source_line` keeps. Past it, the lines seen in fewest documents, least recently, go
    /// first: furniture is seen in many and survives.
    static let sourceLineLimit = 200_000

    /// Counts the document's distinct body lines under its source. Part of the storing transaction.
    func learnFurniture(from article: ParsedArticle, db: Database, now: Date) throws {
        guard let source = article.source.map(SourceFurniture.key), !source.isEmpty else { return }
        // An update, then an insert when there was nothing to update, rather than one upsert: the new rows must be
        // counted, and an upsert's `RETURNING` (SQLite runs it as a trigger) makes it keep a statement journal,
        // ~9.6 KB per line; neither of these two single-row statements keeps one.
        let update = try db.cachedStatement(sql: """
            UPDATE source_line SET documents = documents + 1, last_seen = ? WHERE source = ? AND line_hash = ?
            """)
        let insert = try db.cachedStatement(sql: "INSERT INTO source_line (source, line_hash, documents, last_seen) VALUES (?, ?, 1, ?)")
        var added = 0
        for hash in SourceFurniture.hashes(of: article.paragraphs) {
            try update.runDirect(now.timeIntervalSince1970, source, hash)
            if db.changesCount == 0 {
                try insert.runDirect(source, hash, now.timeIntervalSince1970)
                added += 1
            }
        }
        guard added > 0 else { return }
        // The rows are counted here, not by `count(*)`: that read the whole table (1,557 pages of its smallest
        // index at 100 k documents) every 64 documents.
        try countSourceLines(added, db: db)
        try pruneSourceLines(limit: Self.sourceLineLimit, db: db)
    }

    /// Rows in `source_line`, by the counter kept beside it.
    private func sourceLineRows(_ db: Database) throws -> Int {
        Int(try corpusStat("source_lines", db: db) ?? 0)
    }

    /// Moves the counter of `source_line`'s rows by `change` (rows inserted, or minus rows deleted).
    private func countSourceLines(_ change: Int, db: Database) throws {
        try moveCorpusStat("source_lines", by: change, db: db)
    }

    /// Brings `source_line` down to 80 % of `limit` when it holds more: lines seen once go first, the oldest first
    /// (in the table's own order, that of arrival); only when those are not enough, the others by how many
    /// documents carried them and when they were last seen (a sort of the whole table).
    func pruneSourceLines(limit: Int, db: Database) throws {
        let rows = try sourceLineRows(db)
        guard rows > limit else { return }
        var excess = rows - limit * 4 / 5
        try db.execute(sql: """
            DELETE FROM source_line WHERE id IN (SELECT id FROM source_line WHERE documents = 1 ORDER BY id LIMIT ?)
            """, arguments: [excess])
        excess -= db.changesCount
        try countSourceLines(-db.changesCount, db: db)
        guard excess > 0 else { return }
        try db.execute(sql: """
            DELETE FROM source_line WHERE id IN (SELECT id FROM source_line ORDER BY documents, last_seen LIMIT ?)
            """, arguments: [excess])
        try countSourceLines(-db.changesCount, db: db)
    }

    /// Every source's furniture as the corpus knows it now: lines that at least `minimumDocuments` stored
    /// documents of the source carried (and always more than one: a line one document carried is its own).
    public func sourceFurniture(minimumDocuments: Int = SourceFurniture.minimumDocuments) throws -> SourceFurniture {
        try writer.read { db in
            var lines: [String: Set<Int64>] = [:]
            // `documents > 1` lets SQLite read them off `source_line_repeated`, which holds no line seen once.
            let rows = try Row.fetchCursor(db, sql: "SELECT source, line_hash FROM source_line WHERE documents >= ? AND documents > 1",
                                           arguments: [minimumDocuments])
            while let row = try rows.next() {
                lines[row["source"] as String, default: []].insert(row["line_hash"])
            }
            return SourceFurniture(lines)
        }
    }

    /// Rows in `source_line` counted, and as its counter has them, for tests and checks of its bound.
    public func sourceLineCount() throws -> (rows: Int, counted: Int) {
        try writer.read { db in (try Int.fetchOne(db, sql: "SELECT count(*) FROM source_line") ?? 0, try sourceLineRows(db)) }
    }
}
