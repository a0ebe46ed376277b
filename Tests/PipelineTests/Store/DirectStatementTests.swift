import Foundation
import GRDB
import GRDBSQLite
import Testing

@testable import Pipeline

/// The writer's direct binding and stepping (`Statement.runDirect` and the fetches beside it) store and read what
/// GRDB's own API does, leave the cached statement usable by GRDB, and throw SQLite's errors.
struct DirectStatementTests {
    private func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, d REAL, s TEXT, b BLOB, n TEXT UNIQUE)")
        }
        return queue
    }

    @Test func bindsEachKindOfValue() throws {
        let queue = try database()
        try queue.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO t (i, d, s, b, n) VALUES (?, ?, ?, ?, ?)")
            try insert.runDirect(Int64(-7), 2.5, "žluťoučký kůň", Data([0, 1, 2, 255]), String?.none)
            try insert.runDirect(42, Double?.none, "", Data(), "x")
            try insert.runDirect(Int?.none, -0.25, String?("a\u{0}b"), Data?.none, String?("y"))
            let rows = try Row.fetchAll(db, sql: "SELECT i, d, s, b, n, typeof(s) AS ts, typeof(b) AS tb FROM t ORDER BY id")
            #expect(rows[0]["i"] as Int64? == -7)
            #expect(rows[0]["d"] as Double? == 2.5)
            #expect(rows[0]["s"] as String? == "žluťoučký kůň")
            #expect(rows[0]["b"] as Data? == Data([0, 1, 2, 255]))
            #expect(rows[0]["n"] as String? == nil)
            // Empty text and blobs are empty values, not NULL.
            #expect(rows[1]["i"] as Int? == 42)
            #expect(rows[1]["d"] as Double? == nil)
            #expect(rows[1]["ts"] as String == "text")
            #expect(rows[1]["s"] as String? == "")
            #expect(rows[1]["tb"] as String == "blob")
            #expect(rows[1]["b"] as Data? == Data())
            // Text is bound by its length: an inner NUL does not cut it (GRDB's binding, by C string, stops there).
            #expect(rows[2]["i"] as Int? == nil)
            #expect(try Int.fetchOne(db, sql: "SELECT length(CAST(s AS BLOB)) FROM t WHERE id = 3") == 3)
            #expect(rows[2]["tb"] as String == "null")
        }
    }

    @Test func fetchesFirstValuesAllValuesAndBytes() throws {
        let queue = try database()
        try queue.write { db in
            for value in [3, 1, 2] { try db.execute(sql: "INSERT INTO t (i, b) VALUES (?, ?)", arguments: [value, Data([UInt8(value)])]) }
            try db.execute(sql: "INSERT INTO t (i) VALUES (NULL)")
            let select = try db.cachedStatement(sql: "SELECT i FROM t WHERE id >= ? ORDER BY id")
            #expect(try select.int64Direct(1) == 3)
            #expect(try select.int64sDirect(2) == [1, 2])
            #expect(try select.int64Direct(99) == nil)
            // A NULL value is nil, and left out of a list.
            #expect(try select.int64Direct(4) == nil)
            #expect(try select.int64sDirect(1) == [3, 1, 2])
            let blob = try db.cachedStatement(sql: "SELECT b FROM t WHERE id = ?")
            #expect(try blob.bytesDirect(2) == [1])
            #expect(try blob.bytesDirect(4) == nil)
            var pairs: [[Int64]] = []
            try db.cachedStatement(sql: "SELECT id, i FROM t WHERE id BETWEEN ? AND ? ORDER BY id").forEachRowDirect([2, 3]) { row in
                pairs.append([sqlite3_column_int64(row, 0), sqlite3_column_int64(row, 1)])
            }
            #expect(pairs == [[2, 1], [3, 2]])
        }
    }

    @Test func returningGivesTheRowAndTheChangeStays() throws {
        let queue = try database()
        try queue.write { db in
            try db.execute(sql: "INSERT INTO t (i) VALUES (10)")
            let bump = try db.cachedStatement(sql: "UPDATE t SET i = i + ? WHERE id = ? RETURNING i")
            #expect(try bump.int64Direct(5, 1) == 15)
            #expect(try bump.int64Direct(5, 1) == 20)
            #expect(try Int.fetchOne(db, sql: "SELECT i FROM t WHERE id = 1") == 20)
        }
    }

    @Test func grdbUsesTheSameStatementAfterward() throws {
        let queue = try database()
        try queue.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO t (i, s) VALUES (?, ?)")
            try insert.runDirect(1, "direct")
            try insert.execute(arguments: [2, "grdb"])
            try insert.runDirect(3, "direct again")
            #expect(try String.fetchAll(db, sql: "SELECT s FROM t ORDER BY i") == ["direct", "grdb", "direct again"])
            let select = try db.cachedStatement(sql: "SELECT i FROM t WHERE i >= ? ORDER BY i")
            // A direct fetch stops after the first row and resets: GRDB then reads the statement from the start, and
            // a direct fetch after GRDB's binds its own value.
            #expect(try select.int64Direct(1) == 1)
            #expect(try Int.fetchAll(select, arguments: [1]) == [1, 2, 3])
            #expect(try select.int64Direct(2) == 2)
            #expect(try Int.fetchAll(select, arguments: [3]) == [3])
        }
    }

    @Test func throwsSQLiteErrors() throws {
        let queue = try database()
        try queue.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO t (n) VALUES (?)")
            try insert.runDirect("same")
            #expect {
                try insert.runDirect("same")
            } throws: { error in
                (error as? DatabaseError)?.resultCode == .SQLITE_CONSTRAINT
            }
            // The statement is usable again after the failure.
            try insert.runDirect("other")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 2)
        }
    }
}
