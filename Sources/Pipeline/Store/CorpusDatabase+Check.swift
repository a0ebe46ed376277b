import GRDB

/// What `corpusctl check` verifies beyond the file itself: that the queue's books balance.
public struct QueueAccounting: Sendable, Hashable, Codable {
    /// Items with an outcome whose original has not been moved out of the inbox yet.
    public var undisposed: Int
    /// Stored items whose document is missing (a container — a feed, JSON list or JSON Lines file — has none
    /// of its own: its entries do), or documents no stored item points at.
    public var storedWithoutDocument: Int
    public var documentsWithoutStoredItem: Int
    /// Documents whose source item points at a different document (a document recorded twice).
    public var documentsStoredTwice: Int
    /// Finished containers whose entry items are not exactly the entries they listed (one lost or doubled).
    public var containersMissingEntries: Int
}

extension CorpusDatabase {
    public func queueAccounting() throws -> QueueAccounting {
        try writer.read { db in
            QueueAccounting(
                undisposed: try Int.fetchOne(db, sql: "SELECT COUNT(*) \(Self.undisposedItems)") ?? 0,
                storedWithoutDocument: try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM item i WHERE i.state = 'stored' AND i.entry_count IS NULL
                    AND NOT EXISTS (SELECT 1 FROM document d WHERE d.id = i.document_id AND d.item_id = i.id)
                    """) ?? 0,
                documentsWithoutStoredItem: try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM document d
                    WHERE NOT EXISTS (SELECT 1 FROM item i WHERE i.id = d.item_id AND i.state = 'stored')
                    """) ?? 0,
                documentsStoredTwice: try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM document d JOIN item i ON i.id = d.item_id WHERE i.document_id <> d.id
                    """) ?? 0,
                containersMissingEntries: try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM item p
                    WHERE p.entry_count IS NOT NULL AND p.state IN ('stored','duplicate','failed')
                    AND p.entry_count <> (SELECT COUNT(*) FROM item c WHERE c.parent_id = p.id)
                    """) ?? 0)
        }
    }
}
