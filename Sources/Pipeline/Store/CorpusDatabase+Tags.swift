import Foundation
import GRDB

/// A tag with how many documents carry it, by origin (`corpusctl tags`).
public struct TagCount: Sendable, Hashable, Codable {
    public var slug: String
    public var name: String
    public var documents: Int
    /// Origin → documents that got the tag that way.
    public var byOrigin: [String: Int]
}

/// A stored document as reclassification needs it: its text and the tags it keeps whatever the rules say.
public struct ReclassifyCandidate: Sendable {
    public var id: Int64
    public var article: ParsedArticle
    /// Explicit, alias and folder tags: never touched by reclassification.
    public var kept: [AssignedTag]
    /// The rule and model tags it has now.
    public var inferred: [AssignedTag]
}

/// The learned model as stored, with what it learnt from.
public struct StoredTagModel: Sendable {
    public var model: TagModel
    public var documents: Int
    public var trainedAt: Date
}

extension CorpusDatabase {
    /// Origins a person or the page gave: a document's training labels, and what reclassification keeps.
    static let declaredOrigins: [TagOrigin] = [.explicit, .alias, .folder]
    private static var declaredList: String { declaredOrigins.map { "'\($0.rawValue)'" }.joined(separator: ",") }

    // MARK: Taxonomy

    /// Records the taxonomy in force: every tag (with its current display name) and every alias, so that
    /// read-only readers resolve names as the daemon does. One transaction.
    public func syncTaxonomy(_ taxonomy: Taxonomy) throws {
        try writer.write { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO tag (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id
                """)
            var ids: [String: Int64] = [:]
            for definition in taxonomy.definitions {
                ids[definition.slug] = try Int64.fetchOne(upsert, arguments: [definition.slug, definition.name])
            }
            try db.execute(sql: "DELETE FROM tag_alias")
            let insert = try db.cachedStatement(sql: "INSERT INTO tag_alias (alias, tag_id) VALUES (?, ?)")
            for (alias, slug) in taxonomy.aliasSlugs {
                guard let id = ids[slug] else { continue }
                try insert.execute(arguments: [alias, id])
            }
        }
    }

    /// The taxonomy's aliases as the daemon last recorded them: alias slug → canonical slug.
    public func tagAliases() throws -> [String: String] {
        try writer.read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT a.alias, t.slug FROM tag_alias a JOIN tag t ON t.id = a.tag_id") {
                out[row["alias"]] = row["slug"]
            }
            return out
        }
    }

    /// The canonical slug for a tag name as the daemon's taxonomy resolves it: an alias becomes its tag,
    /// anything else its own slug.
    public func resolveTag(_ name: String) throws -> String {
        let slug = Slug.make(name)
        return try tagAliases()[slug] ?? slug
    }

    /// Every tag that at least one document carries (all known tags with `includeUnused`), with counts by origin.
    public func tagCounts(includeUnused: Bool = false) throws -> [TagCount] {
        try writer.read { db in
            var counts: [String: TagCount] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT t.slug, t.name, dt.origin, COUNT(dt.document_id) AS n
                FROM tag t LEFT JOIN document_tag dt ON dt.tag_id = t.id
                GROUP BY t.id, dt.origin
                """)
            {
                let slug: String = row["slug"]
                var count = counts[slug] ?? TagCount(slug: slug, name: row["name"], documents: 0, byOrigin: [:])
                if let origin: String = row["origin"] {
                    let n: Int = row["n"]
                    count.byOrigin[origin] = n
                    count.documents += n
                }
                counts[slug] = count
            }
            return counts.values.filter { includeUnused || $0.documents > 0 }
                .sorted { ($0.documents, $1.slug) > ($1.documents, $0.slug) }
        }
    }

    // MARK: The learned model

    /// Documents with at least one declared (explicit, alias or folder) tag: what the model learns from. Read from
    /// the counter kept with the links (`keepingLabelledCount`): the learner asks after every few thousand documents stored,
    /// and counting the links themselves read every declared link (0.15 s at 225 k documents, growing with them).
    public func labelledDocumentCount() throws -> Int {
        try writer.read { db in
            Int(try corpusStat(Self.labelledCounter, db: db) ?? 0)
        }
    }

    /// `labelledDocumentCount` counted from the links (every declared one is read): what `check` compares the counter with.
    public func countedLabelledDocuments() throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT document_id) FROM document_tag WHERE origin IN (\(Self.declaredList))") ?? 0
        }
    }

    /// The `corpus_stat` counter of labelled documents.
    static let labelledCounter = "documents.labelled"

    /// Whether a document carries a declared tag.
    func isLabelled(_ documentID: Int64, db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            SELECT 1 FROM document_tag WHERE document_id = ? AND origin IN (\(Self.declaredList)) LIMIT 1
            """).int64Direct(documentID) != nil
    }

    /// Runs `change` on a stored document's tag links, and counts the document in or out of the labelled ones when it
    /// gained its first declared tag or lost its last.
    func keepingLabelledCount<T>(of documentID: Int64, db: Database, _ change: () throws -> T) throws -> T {
        let before = try isLabelled(documentID, db: db)
        let result = try change()
        let after = try isLabelled(documentID, db: db)
        if before != after { try moveCorpusStat(Self.labelledCounter, by: after ? 1 : -1, db: db) }
        return result
    }

    /// The newest `newest` labelled documents' text and their declared tags, oldest first.
    public func trainingExamples(newest: Int = .max) throws -> [TrainingExample] {
        var examples: [TrainingExample] = []
        try forEachTrainingExample(newest: newest) { examples.append($0) }
        return examples
    }

    /// `trainingExamples`, handed over one at a time, oldest first, read `chunk` documents to a read transaction, and
    /// `body` called between them: no snapshot is held while the model learns. (Read from one cursor, training on
    /// 5,000 examples held one for seconds, and the WAL cannot start over under an older snapshot: during a
    /// 5,000-entry ingest at 225 k documents it grew to 229 MiB, and the checkpoint that emptied it afterwards held
    /// the writer for ~0.9 s.) At most `chunk` examples' text is held at a time.
    public func forEachTrainingExample(newest: Int = .max, chunk: Int = 64, _ body: (TrainingExample) throws -> Void) throws {
        // The newest `newest` labelled documents: every labelled document from the oldest of them on.
        let ids: [Int64] = try writer.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT DISTINCT document_id FROM document_tag WHERE origin IN (\(Self.declaredList))
                ORDER BY document_id DESC LIMIT ?
                """, arguments: [newest]).reversed()
        }
        let chunk = max(1, chunk)
        for start in stride(from: 0, to: ids.count, by: chunk) {
            let part = ids[start..<min(ids.count, start + chunk)]
            let examples: [TrainingExample] = try writer.read { db in
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT d.id, d.title, d.body, t.slug, t.name FROM document_tag dt
                    JOIN document d ON d.id = dt.document_id JOIN tag t ON t.id = dt.tag_id
                    WHERE dt.origin IN (\(Self.declaredList)) AND dt.document_id BETWEEN ? AND ?
                    ORDER BY dt.document_id
                    """, arguments: [part.first!, part.last!])
                // Rows come grouped by document (ordered by its id): one example per run of rows.
                var examples: [TrainingExample] = []
                var current: Int64?
                while let row = try rows.next() {
                    let id: Int64 = row["id"]
                    if id != current {
                        examples.append(TrainingExample(title: row["title"], body: row["body"], tags: [:]))
                        current = id
                    }
                    examples[examples.count - 1].tags[row["slug"]] = row["name"]
                }
                return examples
            }
            for example in examples { try body(example) }
        }
    }

    public func saveTagModel(_ model: TagModel, now: Date) throws {
        let data = try JSONEncoder().encode(model)
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO tag_model (id, model, documents, tags, trained_at) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET model = excluded.model, documents = excluded.documents,
                    tags = excluded.tags, trained_at = excluded.trained_at
                """, arguments: [data, model.documents, model.learntTags.count, now.timeIntervalSince1970])
        }
    }

    /// The stored model; nil when none was trained yet (or it was written by an incompatible build).
    public func loadTagModel() throws -> StoredTagModel? {
        let row = try writer.read { db in try Row.fetchOne(db, sql: "SELECT model, documents, trained_at FROM tag_model WHERE id = 1") }
        guard let row, let model = try? JSONDecoder().decode(TagModel.self, from: row["model"] as Data) else { return nil }
        return StoredTagModel(model: model, documents: row["documents"], trainedAt: Date(timeIntervalSince1970: row["trained_at"]))
    }

    // MARK: Reclassification

    public func documentCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") ?? 0 }
    }

    /// Up to `limit` documents with an id above `id`, in id order, with their tags split into kept and inferred.
    public func reclassifyCandidates(after id: Int64, limit: Int) throws -> [ReclassifyCandidate] {
        try writer.read { db in
            var candidates = try Row.fetchAll(db, sql: "SELECT id, title, body FROM document WHERE id > ? ORDER BY id LIMIT ?",
                                              arguments: [id, limit]).map { row in
                ReclassifyCandidate(id: row["id"], article: ParsedArticle(title: row["title"], paragraphs: [row["body"]]),
                                    kept: [], inferred: [])
            }
            guard let first = candidates.first?.id, let last = candidates.last?.id else { return [] }
            let index = Dictionary(uniqueKeysWithValues: candidates.enumerated().map { ($0.element.id, $0.offset) })
            for row in try Row.fetchAll(db, sql: """
                SELECT dt.document_id, t.slug, t.name, dt.origin, dt.score, dt.evidence FROM document_tag dt
                JOIN tag t ON t.id = dt.tag_id WHERE dt.document_id BETWEEN ? AND ? ORDER BY dt.document_id, t.slug
                """, arguments: [first, last])
            {
                guard let i = index[row["document_id"]] else { continue }
                let tag = AssignedTag(slug: row["slug"], name: row["name"], origin: TagOrigin(rawValue: row["origin"]) ?? .rule,
                                      score: row["score"], evidence: row["evidence"])
                if Self.declaredOrigins.contains(tag.origin) {
                    candidates[i].kept.append(tag)
                } else {
                    candidates[i].inferred.append(tag)
                }
            }
            return candidates
        }
    }

    /// Links `tags` to a document, replacing any link to the same tags; throws `NoSuchDocument` when it does
    /// not exist. One transaction.
    public func setUserTags(_ tags: [AssignedTag], on documentID: Int64) throws {
        try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM document WHERE id = ?", arguments: [documentID]) != nil else {
                throw NoSuchDocument(id: documentID)
            }
            // A person giving a tag takes back an earlier rejection of it.
            let unreject = try db.cachedStatement(sql: """
                DELETE FROM document_tag_rejected WHERE document_id = ? AND tag_id = (SELECT id FROM tag WHERE slug = ?)
                """)
            for tag in tags { try unreject.execute(arguments: [documentID, tag.slug]) }
            try keepingLabelledCount(of: documentID, db: db) { try link(documentID, to: tags, db: db) }
        }
    }

    public struct NoSuchDocument: Error, CustomStringConvertible {
        public var id: Int64
        public var description: String { "no document \(id)" }
    }

    /// Replaces the rule and model tags of each document with `tags` (declared tags in the list are left
    /// as they are), in one transaction.
    public func replaceInferredTags(_ updates: [(documentID: Int64, tags: [AssignedTag])]) throws {
        guard !updates.isEmpty else { return }
        try writer.write { db in
            let clear = try db.cachedStatement(sql: """
                DELETE FROM document_tag WHERE document_id = ? AND origin NOT IN (\(Self.declaredList))
                """)
            for update in updates {
                // Declared links are left, unless an inferred tag of the same slug replaces one.
                try keepingLabelledCount(of: update.documentID, db: db) {
                    try clear.execute(arguments: [update.documentID])
                    try link(update.documentID, to: update.tags.filter { !Self.declaredOrigins.contains($0.origin) }, db: db)
                }
            }
        }
    }
}
