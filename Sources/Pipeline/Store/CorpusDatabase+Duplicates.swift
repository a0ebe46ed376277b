import Foundation
import GRDB

/// A document named in a duplicate group, a story or a relation.
public struct DocumentBrief: Sendable, Hashable, Codable {
    public var id: Int64
    public var title: String
    @NullEncoded public var source: String?
    @NullEncoded public var published: String?
    public var file: String
}

/// One duplicate file of a document, with what its own parse found (source, title, date) and when it came.
public struct DocumentCopy: Sendable, Hashable, Codable {
    public var itemID: Int64
    public var documentID: Int64
    public var kind: DuplicateKind
    public var similarity: Double
    public var file: String
    @NullEncoded public var source: String?
    @NullEncoded public var title: String?
    @NullEncoded public var url: String?
    @NullEncoded public var published: String?
    public var seenAt: Date
}

/// A canonical document and every copy of it.
public struct DuplicateGroup: Sendable, Hashable, Codable {
    public var document: DocumentBrief
    public var copies: [DocumentCopy]
}

/// A document on the same story as another: `score` is the share of story terms they have in common,
/// `similarity` the Jaccard similarity of their bodies (below the near-duplicate threshold).
public struct RelatedDocument: Sendable, Hashable, Codable {
    public var document: DocumentBrief
    public var score: Double
    public var similarity: Double
}

/// A story cluster: documents linked (directly or through others) as covering one story.
/// Its id is the id of its earliest document.
public struct StoryCluster: Sendable, Hashable, Codable {
    public var id: Int64
    public var size: Int
    public var documents: [DocumentBrief]
}

/// A document's duplicates, related documents and story, for `corpusctl show`.
public struct DocumentKinship: Sendable, Hashable, Codable {
    public var documentID: Int64
    public var duplicates: [DocumentCopy]
    public var related: [RelatedDocument]
    @NullEncoded public var story: StoryCluster?
}

extension CorpusDatabase {
    /// Documents that have duplicates, the most recently duplicated first, each with its copies.
    public func duplicateGroups(limit: Int = 50) throws -> [DuplicateGroup] {
        try writer.read { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT document_id FROM document_copy GROUP BY document_id ORDER BY MAX(item_id) DESC LIMIT ?
                """, arguments: [limit])
            let briefs = try self.briefs(ids, db: db)
            let copies = try self.copies(of: ids, db: db)
            return ids.compactMap { id in
                briefs[id].map { DuplicateGroup(document: $0, copies: copies[id] ?? []) }
            }
        }
    }

    /// The copies recorded as duplicates of each of `ids`, oldest first.
    public func copies(ofDocuments ids: [Int64]) throws -> [Int64: [DocumentCopy]] {
        try writer.read { db in try copies(of: ids, db: db) }
    }

    /// Duplicates, related documents and story of one document (empty when it has none or does not exist).
    public func kinship(of id: Int64) throws -> DocumentKinship {
        try writer.read { db in
            let related = try Row.fetchAll(db, sql: """
                SELECT related_id AS other, score, similarity FROM document_related WHERE document_id = ?
                UNION ALL
                SELECT document_id AS other, score, similarity FROM document_related WHERE related_id = ?
                ORDER BY score DESC, other
                """, arguments: [id, id])
            let briefs = try self.briefs(related.map { $0["other"] }, db: db)
            var story: StoryCluster?
            if let storyID = try Int64.fetchOne(db, sql: "SELECT story_id FROM story_member WHERE document_id = ?", arguments: [id]) {
                story = try self.story(storyID, db: db)
            }
            return DocumentKinship(
                documentID: id, duplicates: try copies(of: [id], db: db)[id] ?? [],
                related: related.compactMap { row in
                    briefs[row["other"]].map { RelatedDocument(document: $0, score: row["score"], similarity: row["similarity"]) }
                },
                story: story)
        }
    }

    /// Story clusters of at least `minSize` documents, newest story first.
    public func stories(minSize: Int = 2, limit: Int = 50) throws -> [StoryCluster] {
        try writer.read { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT story_id FROM story_member GROUP BY story_id HAVING COUNT(*) >= ? ORDER BY MAX(document_id) DESC LIMIT ?
                """, arguments: [minSize, limit])
            return try ids.compactMap { try story($0, db: db) }
        }
    }

    private func story(_ id: Int64, db: Database) throws -> StoryCluster? {
        let members = try Int64.fetchAll(db, sql: "SELECT document_id FROM story_member WHERE story_id = ? ORDER BY document_id",
                                         arguments: [id])
        let briefs = try self.briefs(members, db: db)
        let documents = members.compactMap { briefs[$0] }
        return documents.isEmpty ? nil : StoryCluster(id: id, size: documents.count, documents: documents)
    }

    private func briefs(_ ids: [Int64], db: Database) throws -> [Int64: DocumentBrief] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: DocumentBrief] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT id, title, source, published, file FROM document WHERE id IN (\(Set(ids).map(String.init).joined(separator: ",")))
            """)
        {
            out[row["id"]] = DocumentBrief(id: row["id"], title: row["title"], source: row["source"], published: row["published"],
                                           file: row["file"])
        }
        return out
    }

    func copies(of ids: [Int64], db: Database) throws -> [Int64: [DocumentCopy]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [DocumentCopy]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT item_id, document_id, kind, similarity, file, source, title, url, published, seen_at FROM document_copy
            WHERE document_id IN (\(Set(ids).map(String.init).joined(separator: ","))) ORDER BY item_id
            """)
        {
            out[row["document_id"], default: []].append(DocumentCopy(
                itemID: row["item_id"], documentID: row["document_id"],
                kind: DuplicateKind(rawValue: row["kind"]) ?? .near, similarity: row["similarity"], file: row["file"],
                source: row["source"], title: row["title"], url: row["url"], published: row["published"],
                seenAt: Date(timeIntervalSince1970: row["seen_at"])))
        }
        return out
    }
}
