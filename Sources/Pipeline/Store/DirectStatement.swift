import Foundation
import GRDB
import GRDBSQLite

/// The writer's hot statements — a dozen to a hundred per stored document — bound and stepped straight on the
/// prepared SQLite statement that GRDB's statement cache holds (`Statement.sqliteStatement`). GRDB's own path
/// builds a `StatementArguments` array, validates it, nests a closure per string or blob, and allocates a cursor
/// for each fetch: on 20,000 JSON Lines entries that was about a third of the recording transaction's CPU, the
/// stage that sets the ingest's pace. Statements that run once per batch keep GRDB's API; the listings' tags use
/// `forEachRowDirect` too (a row per tag of every document listed or exported).
///
/// Values are bound by `SQLITE_TRANSIENT` (SQLite copies them), and the statement is reset when it has run, so
/// that GRDB may use the same cached statement next: it resets and binds its own arguments every time.
protocol DirectBinding {
    /// Binds the value to parameter `index` (1-based); returns SQLite's result code.
    func bindDirect(to statement: SQLiteStatement, at index: CInt) -> CInt
}

/// Tells SQLite to copy a bound string or blob.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension Int64: DirectBinding {
    func bindDirect(to statement: SQLiteStatement, at index: CInt) -> CInt { sqlite3_bind_int64(statement, index, self) }
}

extension Int: DirectBinding {
    func bindDirect(to statement: SQLiteStatement, at index: CInt) -> CInt { sqlite3_bind_int64(statement, index, Int64(self)) }
}

extension Double: DirectBinding {
    func bindDirect(to statement: SQLiteStatement, at index: CInt) -> CInt { sqlite3_bind_double(statement, index, self) }
}

extension String: DirectBinding {
    func bindDirect(to statement: SQLiteStatement, at index: CInt) -> CInt {
        var text = self
        return text.withUTF8 { utf8 in
            // An empty buffer may have no address, and a null pointer would bind NULL, not "".
            guard let start = utf8.baseAddress, !utf8.isEmpty else { return sqlite3_bind_text(statement, index, "", 0, transient) }
            return start.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
                sqlite3_bind_text(statement, index, chars, CInt(utf8.count), transient)
            }
        }
    }
}

extension Data: DirectBinding {
    func bindDirect(to statement: SQLiteStatement, at index: CInt) -> CInt {
        withUnsafeBytes { bytes in
            // As for text: a null pointer would bind NULL, not an empty blob.
            bytes.isEmpty ? sqlite3_bind_zeroblob(statement, index, 0)
                : sqlite3_bind_blob(statement, index, bytes.baseAddress, CInt(bytes.count), transient)
        }
    }
}

extension Optional: DirectBinding where Wrapped: DirectBinding {
    func bindDirect(to statement: SQLiteStatement, at index: CInt) -> CInt {
        switch self {
        case .some(let value): value.bindDirect(to: statement, at: index)
        case .none: sqlite3_bind_null(statement, index)
        }
    }
}

extension Statement {
    /// Runs the statement to its end with `values` bound to its parameters, in order.
    func runDirect<each V: DirectBinding>(_ values: repeat each V) throws {
        try bindDirect(repeat each values)
        try stepDirect { _ in true }
    }

    /// The first column of the first row as an integer: nil when there is no row, or the value is NULL.
    func int64Direct<each V: DirectBinding>(_ values: repeat each V) throws -> Int64? {
        try bindDirect(repeat each values)
        var found: Int64?
        try stepDirect { row in
            if sqlite3_column_type(row, 0) != SQLITE_NULL { found = sqlite3_column_int64(row, 0) }
            return false
        }
        return found
    }

    /// The first column of every row as integers (NULLs left out).
    func int64sDirect<each V: DirectBinding>(_ values: repeat each V) throws -> [Int64] {
        try bindDirect(repeat each values)
        var found: [Int64] = []
        try stepDirect { row in
            if sqlite3_column_type(row, 0) != SQLITE_NULL { found.append(sqlite3_column_int64(row, 0)) }
            return true
        }
        return found
    }

    /// The first column of the first row as bytes: nil when there is no row, or the value is NULL.
    func bytesDirect<each V: DirectBinding>(_ values: repeat each V) throws -> [UInt8]? {
        try bindDirect(repeat each values)
        var found: [UInt8]?
        try stepDirect { row in
            guard sqlite3_column_type(row, 0) != SQLITE_NULL else { return false }
            let count = Int(sqlite3_column_bytes(row, 0))
            if count == 0 { found = [] } else if let blob = sqlite3_column_blob(row, 0) {
                found = Array(UnsafeRawBufferPointer(start: blob, count: count))
            }
            return false
        }
        return found
    }

    /// Binds `values` (integers only, as many as the statement's parameters) and calls `row` for every row.
    func forEachRowDirect(_ values: [Int64], _ row: (SQLiteStatement) -> Void) throws {
        let statement = try resetDirect(parameters: values.count)
        for (index, value) in zip(CInt(1)..., values) {
            try check(sqlite3_bind_int64(statement, index, value))
        }
        try stepDirect { rowStatement in
            row(rowStatement)
            return true
        }
    }

    private func bindDirect<each V: DirectBinding>(_ values: repeat each V) throws {
        var count = 0
        for _ in repeat each values { count += 1 }
        let statement = try resetDirect(parameters: count)
        var index: CInt = 0
        for value in repeat each values {
            index += 1
            try check(value.bindDirect(to: statement, at: index))
        }
    }

    /// Resets the statement (a run GRDB left unfinished, or one of ours) and checks the number of values bound.
    private func resetDirect(parameters: Int) throws -> SQLiteStatement {
        // The code of a reset repeats the last step's error, which was thrown then.
        sqlite3_reset(sqliteStatement)
        precondition(Int(sqlite3_bind_parameter_count(sqliteStatement)) == parameters,
                     "\(parameters) values for \(sqlite3_bind_parameter_count(sqliteStatement)) parameters: \(sql)")
        return sqliteStatement
    }

    /// Steps while `row` returns true and rows come; then resets the statement, so that it holds no read of the
    /// database open and GRDB may use it next.
    private func stepDirect(_ row: (SQLiteStatement) throws -> Bool) throws {
        defer { sqlite3_reset(sqliteStatement) }
        while true {
            switch sqlite3_step(sqliteStatement) {
            case SQLITE_DONE:
                return
            case SQLITE_ROW:
                if try !row(sqliteStatement) { return }
            case let code:
                try check(code)
            }
        }
    }

    private func check(_ code: CInt) throws {
        guard code != SQLITE_OK, code != SQLITE_DONE, code != SQLITE_ROW else { return }
        let connection = sqlite3_db_handle(sqliteStatement)
        throw DatabaseError(resultCode: ResultCode(rawValue: code),
                            message: connection.map { String(cString: sqlite3_errmsg($0)) }, sql: sql)
    }
}
