import Foundation
import GRDB
import GRDBSQLite

/// How `list`, `search` and `export` order documents.
public enum DocumentSort: String, Sendable, Hashable, CaseIterable, Codable {
    /// By publication date, newest first; undated documents last.
    case published
    /// By ingestion, newest first.
    case ingested
}

/// Which documents `list`, `search` and `export` take. Every condition given must hold.
public struct DocumentFilter: Sendable, Hashable {
    /// Documents carry every one of these tags (slugs).
    public var allTags: [String] = []
    /// Documents carry at least one of these tags (slugs), when not empty.
    public var anyTags: [String] = []
    /// Documents carry none of these tags (slugs).
    public var notTags: [String] = []
    /// Documents from one of these publishers (matched case-insensitively), when not empty.
    public var sources: [String] = []
    /// The document's date — published, else ingested — is at or after `since` and before `until`.
    public var since: Date?
    public var until: Date?
    /// An FTS5 query the title or body must match.
    public var text: String?

    public init(allTags: [String] = [], anyTags: [String] = [], notTags: [String] = [], sources: [String] = [],
                since: Date? = nil, until: Date? = nil, text: String? = nil) {
        self.allTags = allTags
        self.anyTags = anyTags
        self.notTags = notTags
        self.sources = sources
        self.since = since
        self.until = until
        self.text = text
    }
}

/// Every stored field of one document, as `show` and `export` give it.
public struct DocumentDetail: Sendable, Hashable, Codable {
    public var id: Int64
    public var title: String
    public var source: String?
    public var url: String?
    public var published: String?
    public var byline: String?
    public var summary: String?
    public var body: String
    public var wordCount: Int
    public var encoding: String
    public var itemID: Int64
    public var file: String
    public var ingestedAt: Date
    public var tags: [String]
}

/// One search result: the document, its rank (bm25: lower is better) and a snippet of the body.
public struct SearchHit: Sendable, Hashable {
    public var document: DocumentSummary
    public var rank: Double
    /// The best matching passage; hits are between `SearchHit.hitStart` and `SearchHit.hitEnd`.
    public var markedSnippet: String

    public static let hitStart: Character = "\u{2}"
    public static let hitEnd: Character = "\u{3}"
}

/// One page of search results.
public struct SearchPage: Sendable, Hashable {
    public var hits: [SearchHit]
    /// Set when more documents matched than this: only the newest this many were ranked.
    public var rankedWithin: Int?
}

/// Documents per publisher, for `sources`.
public struct SourceCount: Sendable, Hashable, Codable {
    @NullEncoded public var source: String?
    public var documents: Int
    @NullEncoded public var firstPublished: String?
    @NullEncoded public var lastPublished: String?
    public var lastIngested: Date
}

/// What `queue` asks for.
public struct ItemQuery: Sendable, Hashable {
    public var states: [ItemState]
    /// Items first seen at or after this instant.
    public var since: Date?
    public var limit: Int

    public init(states: [ItemState] = [], since: Date? = nil, limit: Int = 50) {
        self.states = states
        self.since = since
        self.limit = limit
    }
}

/// A query string FTS5 could not parse; `detail` is SQLite's own words.
public struct MalformedSearch: Error, CustomStringConvertible, Sendable {
    public var query: String
    public var detail: String
    public var description: String {
        "cannot understand the search \"\(query)\" (\(detail)); use words, \"a phrase\", prefix*, AND, OR, NOT and parentheses"
    }
}

// MARK: - Reads for corpusctl

extension CorpusDatabase {
    /// The WHERE clause (without the keyword; "1" when empty) and its arguments for `filter` over `document d`.
    private static func conditions(_ filter: DocumentFilter) -> (sql: String, arguments: StatementArguments) {
        var parts: [String] = []
        var arguments: StatementArguments = []
        let hasTag = "EXISTS (SELECT 1 FROM document_tag dt JOIN tag t ON t.id = dt.tag_id WHERE dt.document_id = d.id AND t.slug"
        for slug in Set(filter.allTags).sorted() {
            parts.append("\(hasTag) = ?)")
            _ = arguments.append(contentsOf: [slug])
        }
        if !filter.anyTags.isEmpty {
            parts.append("\(hasTag) IN (\(filter.anyTags.map { _ in "?" }.joined(separator: ","))))")
            _ = arguments.append(contentsOf: StatementArguments(filter.anyTags))
        }
        if !filter.notTags.isEmpty {
            parts.append("NOT \(hasTag) IN (\(filter.notTags.map { _ in "?" }.joined(separator: ","))))")
            _ = arguments.append(contentsOf: StatementArguments(filter.notTags))
        }
        if !filter.sources.isEmpty {
            parts.append("lower(d.source) IN (\(filter.sources.map { _ in "lower(?)" }.joined(separator: ",")))")
            _ = arguments.append(contentsOf: StatementArguments(filter.sources))
        }
        if let since = filter.since {
            parts.append("COALESCE(d.published_at, d.ingested_at) >= ?")
            _ = arguments.append(contentsOf: [since.timeIntervalSince1970])
        }
        if let until = filter.until {
            parts.append("COALESCE(d.published_at, d.ingested_at) < ?")
            _ = arguments.append(contentsOf: [until.timeIntervalSince1970])
        }
        if let text = filter.text {
            parts.append("d.id IN (SELECT rowid FROM document_fts WHERE document_fts MATCH ?)")
            _ = arguments.append(contentsOf: [text])
        }
        return (parts.isEmpty ? "1" : parts.joined(separator: " AND "), arguments)
    }

    private static func order(_ sort: DocumentSort) -> String {
        switch sort {
        // SQLite sorts NULL below every value, so DESC puts undated documents last, and the index on
        // published_at (with the rowid after it) gives this order without sorting.
        case .published: return "d.published_at DESC, d.id DESC"
        case .ingested: return "d.id DESC"
        }
    }

    /// Runs `body`, turning FTS5's syntax errors about `text` into `MalformedSearch`.
    private static func searching<T>(_ text: String?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where text != nil && error.resultCode == .SQLITE_ERROR {
            // The statements are fixed and tested; a plain SQLITE_ERROR while matching is the query's syntax
            // ("fts5: syntax error near …", "unterminated string", "no such column" for an unknown col:word).
            throw MalformedSearch(query: text ?? "", detail: (error.message ?? "\(error)").replacingOccurrences(of: "fts5: ", with: ""))
        }
    }

    /// Documents matching `filter` in `sort` order.
    public func documents(filter: DocumentFilter, sort: DocumentSort = .ingested, limit: Int = 50,
                          offset: Int = 0) throws -> [DocumentSummary] {
        try Self.searching(filter.text) {
            try writer.read { db in
                let (sql, arguments) = Self.listing(filter: filter, sort: sort, limit: limit, offset: offset)
                let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
                return try withTags(rows.map(Self.summary(row:)), db: db)
            }
        }
    }

    /// The documents `documents(filter:sort:limit:offset:)` gives, handed to `body` a page of `page` at a time
    /// (with each page's duplicates when `withCopies`), read off one cursor in one read transaction: memory
    /// holds one page whatever the limit, so a listing of the whole corpus does not grow with it.
    public func forEachDocumentPage(filter: DocumentFilter, sort: DocumentSort = .ingested, limit: Int = -1,
                                    offset: Int = 0, page: Int = 500, withCopies: Bool = false,
                                    _ body: ([DocumentSummary], [Int64: [DocumentCopy]]) throws -> Void) throws {
        try Self.searching(filter.text) {
            try writer.read { db in
                let (sql, arguments) = Self.listing(filter: filter, sort: sort, limit: limit, offset: offset)
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                var pending: [DocumentSummary] = []
                func flush() throws {
                    guard !pending.isEmpty else { return }
                    let summaries = try withTags(pending, db: db)
                    try body(summaries, withCopies ? try copies(of: summaries.map(\.id), db: db) : [:])
                    pending.removeAll(keepingCapacity: true)
                }
                while let row = try cursor.next() {
                    pending.append(Self.summary(row: row))
                    if pending.count >= max(page, 1) { try flush() }
                }
                try flush()
            }
        }
    }

    /// The statement behind `documents` and `forEachDocumentPage` (a negative limit: no limit).
    ///
    /// Newest first with a tag is read straight off the tag's index (`document_tag_by_tag`, tag then document),
    /// so a page costs the rows shown (and the ones other conditions skip), not the tag's size or the corpus's.
    private static func listing(filter: DocumentFilter, sort: DocumentSort, limit: Int, offset: Int)
        -> (sql: String, arguments: StatementArguments)
    {
        let columns = Self.summaryColumns
        let sql: String
        var all: StatementArguments
        if sort == .ingested, let driving = Set(filter.allTags).sorted().first {
            var rest = filter
            rest.allTags = filter.allTags.filter { $0 != driving }
            let (conditions, arguments) = Self.conditions(rest)
            sql = """
                SELECT \(columns) FROM document_tag dt CROSS JOIN document d
                WHERE dt.tag_id = (SELECT id FROM tag WHERE slug = ?) AND d.id = dt.document_id AND \(conditions)
                ORDER BY dt.document_id DESC LIMIT ? OFFSET ?
                """
            all = [driving]
            _ = all.append(contentsOf: arguments)
        } else {
            let (conditions, arguments) = Self.conditions(filter)
            sql = "SELECT \(columns) FROM document d WHERE \(conditions) ORDER BY \(Self.order(sort)) LIMIT ? OFFSET ?"
            all = arguments
        }
        _ = all.append(contentsOf: [limit, offset])
        return (sql, all)
    }

    /// How many documents match `filter`.
    public func countDocuments(filter: DocumentFilter) throws -> Int {
        try Self.searching(filter.text) {
            try writer.read { db in
                let (conditions, arguments) = Self.conditions(filter)
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document d WHERE \(conditions)",
                                        arguments: arguments) ?? 0
            }
        }
    }

    /// Matches beyond this many are not ranked: a word in most documents would otherwise cost bm25 over
    /// hundreds of thousands of rows. The newest this many are ranked instead (`SearchPage.rankedWithin`).
    public static let searchWindow = 5_000

    /// Full-text search (FTS5, bm25 with the title weighted above the body), best first, within `filter`.
    /// When more than `window` documents match, only the newest `window` of them are ranked, and the page
    /// says so; nil ranks every match.
    public func search(_ query: String, filter: DocumentFilter = DocumentFilter(), limit: Int = 20,
                       offset: Int = 0, window: Int? = CorpusDatabase.searchWindow) throws -> SearchPage {
        try Self.searching(query) {
            try writer.read { db in
                let (conditions, arguments) = Self.conditions(filter)
                // Only a filter needs the document row while matching; reading it costs its overflow pages.
                let from = conditions == "1" ? "document_fts" : "document_fts CROSS JOIN document d ON d.id = document_fts.rowid"
                var newest: Int64?
                if let window {
                    // The (window + 1)-th newest match, walking the index in rowid order: no ranking, no sort.
                    var bound: StatementArguments = [query]
                    _ = bound.append(contentsOf: arguments)
                    _ = bound.append(contentsOf: [window])
                    newest = try Int64.fetchOne(db, sql: """
                        SELECT document_fts.rowid FROM \(from) WHERE document_fts MATCH ? AND \(conditions)
                        ORDER BY document_fts.rowid DESC LIMIT 1 OFFSET ?
                        """, arguments: bound)
                }
                var ranked: StatementArguments = [query, newest ?? 0]
                _ = ranked.append(contentsOf: arguments)
                _ = ranked.append(contentsOf: [limit, offset])
                let best = try Row.fetchAll(db, sql: """
                    SELECT document_fts.rowid AS id, bm25(document_fts, 4.0, 1.0) AS score FROM \(from)
                    WHERE document_fts MATCH ? AND document_fts.rowid > ? AND \(conditions)
                    ORDER BY score, document_fts.rowid DESC LIMIT ? OFFSET ?
                    """, arguments: ranked)
                // Snippets and the rows themselves for the page only.
                let page = try db.cachedStatement(sql: """
                    SELECT \(Self.summaryColumns), snippet(document_fts, 1, ?, ?, '…', 16) AS snippet
                    FROM document_fts CROSS JOIN document d ON d.id = document_fts.rowid
                    WHERE document_fts MATCH ? AND document_fts.rowid = ?
                    """)
                var rows: [(Row, Double)] = []
                for hit in best {
                    let id: Int64 = hit["id"]
                    if let row = try Row.fetchOne(page, arguments: [String(SearchHit.hitStart), String(SearchHit.hitEnd), query, id]) {
                        rows.append((row, hit["score"]))
                    }
                }
                let summaries = try withTags(rows.map { Self.summary(row: $0.0) }, db: db)
                let hits = zip(rows, summaries).map { row, summary in
                    SearchHit(document: summary, rank: row.1, markedSnippet: row.0["snippet"] ?? "")
                }
                return SearchPage(hits: hits, rankedWithin: newest == nil ? nil : window)
            }
        }
    }

    /// Every field of document `id`, or nil when there is none.
    public func document(id: Int64) throws -> DocumentDetail? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM document WHERE id = ?", arguments: [id]) else {
                return nil
            }
            var detail = Self.detail(row: row)
            detail.tags = try tagSlugs(of: [id], db: db)[id] ?? []
            return detail
        }
    }

    /// Calls `body` with every document matching `filter`, one at a time, without holding them all in memory.
    public func forEachDocument(filter: DocumentFilter, sort: DocumentSort = .ingested,
                                _ body: (DocumentDetail) throws -> Void) throws {
        try Self.searching(filter.text) {
            try writer.read { db in
                let (conditions, arguments) = Self.conditions(filter)
                let tags = try db.cachedStatement(sql: """
                    SELECT t.slug FROM document_tag dt JOIN tag t ON t.id = dt.tag_id WHERE dt.document_id = ? ORDER BY t.slug
                    """)
                let cursor = try Row.fetchCursor(db, sql: """
                    SELECT * FROM document d WHERE \(conditions) ORDER BY \(Self.order(sort))
                    """, arguments: arguments)
                while let row = try cursor.next() {
                    var detail = Self.detail(row: row)
                    var slugs: [String] = []
                    try tags.forEachRowDirect([detail.id]) { slugs.append(Self.columnText($0, 0)) }
                    detail.tags = slugs
                    try body(detail)
                }
            }
        }
    }

    /// Every item that delivered document `id`: the one stored and every duplicate of it, oldest first.
    public func provenance(ofDocument id: Int64) throws -> [ItemRow] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(ItemRow.columns) FROM item WHERE document_id = ? ORDER BY id
                """, arguments: [id]).map(ItemRow.init(row:))
        }
    }

    /// Documents per publisher, most documents first.
    public func sources() throws -> [SourceCount] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT source, COUNT(*) AS n, MAX(ingested_at) AS last_ingested,
                       (SELECT published FROM document p WHERE p.source IS d.source AND p.published_at IS NOT NULL
                        ORDER BY p.published_at LIMIT 1) AS first_published,
                       (SELECT published FROM document p WHERE p.source IS d.source AND p.published_at IS NOT NULL
                        ORDER BY p.published_at DESC LIMIT 1) AS last_published
                FROM document d GROUP BY source ORDER BY n DESC, source IS NULL, source
                """).map { row in
                SourceCount(source: row["source"], documents: row["n"], firstPublished: row["first_published"],
                            lastPublished: row["last_published"],
                            lastIngested: Date(timeIntervalSince1970: row["last_ingested"]))
            }
        }
    }

    /// Items for `queue`, newest first.
    public func items(matching query: ItemQuery) throws -> [ItemRow] {
        try writer.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if !query.states.isEmpty {
                conditions.append("state IN (\(query.states.map { _ in "?" }.joined(separator: ",")))")
                _ = arguments.append(contentsOf: StatementArguments(query.states.map(\.rawValue)))
            }
            if let since = query.since {
                conditions.append("first_seen >= ?")
                _ = arguments.append(contentsOf: [since.timeIntervalSince1970])
            }
            _ = arguments.append(contentsOf: [query.limit])
            return try Row.fetchAll(db, sql: """
                SELECT \(ItemRow.columns) FROM item \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY id DESC LIMIT ?
                """, arguments: arguments).map(ItemRow.init(row:))
        }
    }

    /// Every tag slug used by a document.
    public func usedTagSlugs() throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "SELECT slug FROM tag ORDER BY slug") }
    }

    // MARK: helpers

    /// `recorded` with each item's first-seen time filled in.
    func withFirstSeen(_ recorded: [RecordedItem], db: Database) throws -> [RecordedItem] {
        guard !recorded.isEmpty else { return recorded }
        var seen: [Int64: Double] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT id, first_seen FROM item WHERE id IN (\(recorded.map { String($0.id) }.joined(separator: ",")))
            """) {
            seen[row["id"]] = row["first_seen"]
        }
        return recorded.map { item in
            var copy = item
            copy.firstSeen = seen[item.id].map(Date.init(timeIntervalSince1970:))
            return copy
        }
    }

    /// The columns `summary(row:)` reads, in its order.
    private static let summaryColumns = "d.id, d.title, d.source, d.published, d.byline, d.url, d.file, d.ingested_at, d.word_count"

    /// A listing's row (`summaryColumns`), read by position (by name, GRDB looks each column up, in lower case).
    private static func summary(row: Row) -> DocumentSummary {
        DocumentSummary(id: row[0], title: row[1], source: row[2], published: row[3], byline: row[4], url: row[5],
                        tags: [], file: row[6], ingestedAt: Date(timeIntervalSince1970: row[7]), wordCount: row[8])
    }

    private static func detail(row: Row) -> DocumentDetail {
        DocumentDetail(id: row["id"], title: row["title"], source: row["source"], url: row["url"],
                       published: row["published"], byline: row["byline"], summary: row["summary"], body: row["body"],
                       wordCount: row["word_count"], encoding: row["encoding"], itemID: row["item_id"],
                       file: row["file"], ingestedAt: Date(timeIntervalSince1970: row["ingested_at"]), tags: [])
    }

    private func withTags(_ summaries: [DocumentSummary], db: Database) throws -> [DocumentSummary] {
        let tags = try tagSlugs(of: summaries.map(\.id), db: db)
        return summaries.map { summary in
            var copy = summary
            copy.tags = tags[summary.id] ?? []
            return copy
        }
    }

    /// The tags of each of `ids` (a page of a listing: 500), by slug. Stepped straight on the statement
    /// (`forEachRowDirect`): with GRDB's rows, read by column name, this was 42 % of `corpusctl list`'s CPU samples;
    /// `list` and `export` take 26–29 % less CPU this way (BENCHMARKS.md, "A WAL that grows with the database").
    func tagSlugs(of ids: [Int64], db: Database) throws -> [Int64: [String]] {
        guard !ids.isEmpty else { return [:] }
        var result: [Int64: [String]] = [:]
        result.reserveCapacity(ids.count)
        // Not cached: the ids are written into the SQL (integers), one statement per page.
        let statement = try db.makeStatement(sql: """
            SELECT dt.document_id, t.slug FROM document_tag dt JOIN tag t ON t.id = dt.tag_id
            WHERE dt.document_id IN (\(ids.map(String.init).joined(separator: ","))) ORDER BY t.slug
            """)
        try statement.forEachRowDirect([]) { row in
            result[sqlite3_column_int64(row, 0), default: []].append(Self.columnText(row, 1))
        }
        return result
    }

    /// Column `index` of the current row as a string ("" for NULL).
    static func columnText(_ row: SQLiteStatement, _ index: CInt) -> String {
        guard let text = sqlite3_column_text(row, index) else { return "" }
        return String(cString: text)
    }
}
