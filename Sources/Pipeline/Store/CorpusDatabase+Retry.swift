import Foundation
import GRDB

/// A failed item that can be put back in the queue: its original is in `failed/`.
public struct RetryableItem: Sendable, Hashable {
    public var id: Int64
    public var path: InboxPath
    /// Where the original is, relative to the failed/ folder.
    public var failedPath: [UInt8]
}

extension CorpusDatabase {
    /// Failed items whose originals sit in failed/: those with `ids`, or all of them when `ids` is nil.
    public func retryable(ids: [Int64]?) throws -> [RetryableItem] {
        try writer.read { db in
            var sql = "SELECT id, path, disposed_path FROM item WHERE state = 'failed' AND disposed_at IS NOT NULL"
            if let ids { sql += " AND id IN (\(ids.map(String.init).joined(separator: ",")))" }
            sql += " ORDER BY id"
            return try Row.fetchAll(db, sql: sql).compactMap { row in
                let disposed = [UInt8]((row["disposed_path"] as Data?) ?? Data())
                let prefix = Array("failed/".utf8)
                guard disposed.starts(with: prefix) else { return nil }
                return RetryableItem(id: row["id"], path: InboxPath(bytes: [UInt8](row["path"] as Data)),
                                     failedPath: Array(disposed.dropFirst(prefix.count)))
            }
        }
    }

    /// Puts a failed item back in the queue at inbox path `path` (its original is about to be moved there),
    /// held until `heldUntil` so that no worker takes it before the file is back: call `unhold` once it is.
    /// Returns false when the item is no longer failed, or another live item holds that path.
    public func requeue(_ id: Int64, at path: InboxPath, heldUntil: Date) throws -> Bool {
        try writer.write { db in
            do {
                try db.execute(sql: """
                    UPDATE item SET state = 'pending', path = ?, name = ?, reason = NULL, attempts = 0, not_before = ?,
                        disposed_at = NULL, disposing_to = NULL, finished_at = NULL, raw_sha256 = NULL
                    WHERE id = ? AND state = 'failed'
                    """, arguments: [Data(path.bytes), path.description, heldUntil.timeIntervalSince1970, id])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                return false
            }
            return db.changesCount == 1
        }
    }

    /// Lets workers take a requeued item now.
    public func unhold(_ id: Int64) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE item SET not_before = NULL WHERE id = ? AND state = 'pending'", arguments: [id])
        }
    }

    /// Undoes `requeue` when the original could not be moved back: the item is failed again, where it was.
    public func unrequeue(_ id: Int64, reason: String) throws {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE item SET state = 'failed', reason = ?, disposed_at = ?, finished_at = ? WHERE id = ? AND state = 'pending'
                """, arguments: [reason, Date().timeIntervalSince1970, Date().timeIntervalSince1970, id])
        }
    }

    /// True when a live item holds `path`.
    public func hasLiveItem(at path: InboxPath) throws -> Bool {
        try !livePaths(among: [path]).isEmpty
    }
}
