import Foundation
import GRDB

extension CorpusDatabase {
    /// A person rejects `tags` on a document: each link is removed, whatever gave it, and the rejection is
    /// remembered so that no later rule, model prediction or reclassification links it again (until the
    /// person gives the tag back with `setUserTags`). Returns the slugs the document carried. One transaction;
    /// throws `NoSuchDocument` when the document does not exist.
    public func rejectTags(_ tags: [(slug: String, name: String)], on documentID: Int64, now: Date) throws -> [String] {
        try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM document WHERE id = ?", arguments: [documentID]) != nil else {
                throw NoSuchDocument(id: documentID)
            }
            let upsertTag = try db.cachedStatement(sql: """
                INSERT INTO tag (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO UPDATE SET slug = slug RETURNING id
                """)
            let unlink = try db.cachedStatement(sql: "DELETE FROM document_tag WHERE document_id = ? AND tag_id = ?")
            let remember = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO document_tag_rejected (document_id, tag_id, rejected_at) VALUES (?, ?, ?)
                """)
            var removed: [String] = []
            try keepingLabelledCount(of: documentID, db: db) {
                for tag in tags {
                    guard let tagID = try Int64.fetchOne(upsertTag, arguments: [tag.slug, tag.name]) else { continue }
                    try unlink.execute(arguments: [documentID, tagID])
                    if db.changesCount > 0 { removed.append(tag.slug) }
                    try remember.execute(arguments: [documentID, tagID, now.timeIntervalSince1970])
                }
            }
            return removed
        }
    }

    /// The slugs a person rejected on a document, sorted.
    public func rejectedTags(ofDocument documentID: Int64) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT t.slug FROM document_tag_rejected r JOIN tag t ON t.id = r.tag_id
                WHERE r.document_id = ? ORDER BY t.slug
                """, arguments: [documentID])
        }
    }
}
