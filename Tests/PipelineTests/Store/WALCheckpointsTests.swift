import Foundation
import GRDB
import Logging
import Synchronization
import Testing

@testable import Pipeline

/// The WAL is copied back into the database file by the checkpointer's own connection, not inside the writer's commits.
struct WALCheckpointsTests {
    @Test func theWriterLeavesCheckpointsToTheCheckpointer() throws {
        let folder = try TemporaryFolder("wal-checkpoints")
        defer { folder.remove() }
        let path = folder.path("corpus.sqlite")
        let db = try CorpusDatabase.open(path: path)
        let checkpoints = try #require(db.checkpoints)
        checkpoints.drain()
        func fileSize() throws -> Int { try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) }
        let before = try fileSize()

        // SQLite's automatic checkpoint (a WAL hook of its own) is replaced on the writer's connection.
        #expect(try db.writer.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 0)
        // ~8 MB in four commits: the WAL passes its 1,000 pages (4 MiB) after the second.
        try db.writer.write { try $0.execute(sql: "CREATE TABLE filler (bytes BLOB)") }
        for _ in 0..<4 {
            try db.writer.write { try $0.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
                INSERT INTO filler SELECT randomblob(4000) FROM n
                """) }
        }
        checkpoints.drain()
        // The pages reached the database file: a checkpoint ran, and not on the writer (whose own is off).
        #expect(try fileSize() - before > 4_000_000)
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM filler") } == 2_000)
        // Below the restart size the WAL file keeps its length (PERSIST_WAL; the writer starts it over in place).
        #expect(try walSize(path) > 4_000_000)
    }

    /// Past the restart size, the writer waits for a reader of an older snapshot, copies everything and starts the
    /// WAL file over; a passive checkpoint alone could not copy what that reader still needed.
    @Test func aLargeWALStartsOverOnceItsReadersAreDone() throws {
        let folder = try TemporaryFolder("wal-restart")
        defer { folder.remove() }
        let path = folder.path("corpus.sqlite")
        let db = try CorpusDatabase.open(path: path, walPagesBeforeRestart: 1_500, restartWait: 2)
        let checkpoints = try #require(db.checkpoints)
        try db.writer.write { try $0.execute(sql: "CREATE TABLE filler (bytes BLOB)") }
        // A reader holds a snapshot from before the writes for a while, as a look-up made ahead does.
        let reading = DispatchSemaphore(value: 0)
        let reader = Thread {
            try? db.writer.read { database in
                _ = try Int.fetchOne(database, sql: "SELECT COUNT(*) FROM filler")
                reading.signal()
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        reader.start()
        reading.wait()
        for _ in 0..<4 {
            try db.writer.write { try $0.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
                INSERT INTO filler SELECT randomblob(4000) FROM n
                """) }
        }
        checkpoints.drain()
        // The commit that took it past 1,500 pages (the third) started it over once the reader was done: it holds only the
        // fourth's ~500 pages (2 MB), where it would hold all four's ~2,000, written over the file's first pages.
        #expect(try walFrames(db) < 700)
        #expect(try walSize(path) > 6_000_000)
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM filler") } == 2_000)
    }

    /// A reader that keeps its snapshot past the wait: the WAL cannot start over, and the log says so once (not at
    /// every checkpoint that tries again); once the reader is done the next checkpoint empties it, and says that too.
    @Test func aWALThatCannotStartOverIsLoggedOnceAndItsRecoveryToo() throws {
        let folder = try TemporaryFolder("wal-stuck")
        defer { folder.remove() }
        let path = folder.path("corpus.sqlite")
        let events = LogEvents()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(kept: events) }
        let db = try CorpusDatabase.open(path: path, walPagesBeforeRestart: 1_500, restartWait: 0.1, logger: logger)
        let checkpoints = try #require(db.checkpoints)
        try db.writer.write { try $0.execute(sql: "CREATE TABLE filler (bytes BLOB)") }
        func fill() throws {
            try db.writer.write { try $0.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
                INSERT INTO filler SELECT randomblob(4000) FROM n
                """) }
            checkpoints.drain()
        }
        let reading = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let reader = Thread {
            try? db.writer.read { database in
                _ = try Int.fetchOne(database, sql: "SELECT COUNT(*) FROM filler")
                reading.signal()
                done.wait()
            }
        }
        reader.start()
        reading.wait()
        for _ in 0..<4 { try fill() }  // three checkpoints past the restart size, each blocked by the reader
        #expect(try walSize(path) > 6_000_000)
        #expect(events.notices.map(\.0) == [.warning], "\(events.all)")
        done.signal()
        while reader.isExecuting || !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        try fill()
        #expect(events.notices.map(\.0) == [.warning, .notice], "\(events.all)")
        // The next commit starts the WAL over and cuts the file back to 1,875 pages (`sizeLimitQuarters`): it had grown
        // to ~2,500 while the reader kept it.
        try db.writer.write { try $0.execute(sql: "INSERT INTO filler VALUES (x'00')") }
        #expect(try walFrames(db) < 10)
        #expect(try walSize(path) == 1_875 * 4_096)
        #expect(events.notices.first?.1.contains("older snapshot") == true)
    }

    /// The pages the WAL holds (whatever the file's length), as a passive checkpoint reports them.
    private func walFrames(_ db: CorpusDatabase) throws -> Int {
        try db.writer.writeWithoutTransaction { try #require(try Row.fetchOne($0, sql: "PRAGMA wal_checkpoint(PASSIVE)"))[1] }
    }

    private func walSize(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
    }
}

/// What a `CapturingLogHandler` kept.
final class LogEvents: Sendable {
    let events = Mutex<[(Logger.Level, String)]>([])
    var all: [(Logger.Level, String)] { events.withLock { $0 } }
    /// Notices and worse (what an operator sees by default).
    var notices: [(Logger.Level, String)] { all.filter { $0.0 >= .notice } }
}

/// Keeps what is logged, for a test to read.
struct CapturingLogHandler: LogHandler {
    let kept: LogEvents
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { kept.events.withLock { $0.append((event.level, event.message.description)) } }
}
