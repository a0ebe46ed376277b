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
        for _ in 0..<4 { try Self.fill(db, rows: 500) }
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
        let db = try CorpusDatabase.open(path: path, walRestartSize: Self.fixedRestart, restartWait: 2)
        try db.writer.write { try $0.execute(sql: "CREATE TABLE filler (bytes BLOB)") }
        try Self.whileAReaderWaits(db) { try Self.fill(db, rows: 500) }
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
        let db = try CorpusDatabase.open(path: path, walRestartSize: Self.fixedRestart, restartWait: 0.1, logger: logger)
        let checkpoints = try #require(db.checkpoints)
        try db.writer.write { try $0.execute(sql: "CREATE TABLE filler (bytes BLOB)") }
        func fill() throws {
            try Self.fill(db, rows: 500)
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

    /// The restart size: an eighth of the database (the standard share), within its bounds.
    @Test func theRestartSizeFollowsTheDatabaseWithinItsBounds() {
        let size = WALRestartSize(pages: 16_384...65_536, databaseShare: 8)
        #expect(size.pages(forDatabasePages: 0) == 16_384)
        #expect(size.pages(forDatabasePages: 131_072) == 16_384)  // a 512 MiB database
        #expect(size.pages(forDatabasePages: 300_000) == 37_500)
        #expect(size.pages(forDatabasePages: 2_500_000) == 65_536)  // ~10 GB, ~1 M documents
        #expect(WALCheckpoints.restartSize.pages(forDatabasePages: 2_500_000) * 4_096 == 256 << 20)
    }

    /// A larger database lets its WAL grow further before the writer starts it over: the size is read from the database
    /// file after each restart and when it is opened.
    @Test func aLargerDatabaseStartsItsWALOverLater() throws {
        let folder = try TemporaryFolder("wal-share")
        defer { folder.remove() }
        let path = folder.path("corpus.sqlite")
        let size = WALRestartSize(pages: 1_500...4_000, databaseShare: 2)
        func databasePages() throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) / 4_096
        }
        do {
            let db = try CorpusDatabase.open(path: path, walRestartSize: size, restartWait: 2)
            let checkpoints = try #require(db.checkpoints)
            #expect(checkpoints.pagesBeforeRestart == 1_500)
            try db.writer.write { try $0.execute(sql: "CREATE TABLE filler (bytes BLOB)") }
            // ~6,000 pages (24 MB) in commits of 500 with no reader: each is checkpointed whole, and the next commit
            // starts the WAL over by itself (no restart of the writer's).
            for _ in 0..<12 {
                try Self.fill(db, rows: 500)
                checkpoints.drain()
            }
            #expect(checkpoints.pagesBeforeRestart == 1_500)
            // 2,000 more while a reader keeps an older snapshot: the writer's restart, past 1,500, then the next size
            // from the grown file.
            try Self.whileAReaderWaits(db) { try Self.fill(db, rows: 500) }
            #expect(try walFrames(db) < 700)
            #expect(try databasePages() > 7_000)
            let grown = try databasePages()
            #expect((3_000...4_000).contains(checkpoints.pagesBeforeRestart), "\(checkpoints.pagesBeforeRestart), \(grown) pages")
        }
        // Opened again: the size from the file.
        let db = try CorpusDatabase.open(path: path, walRestartSize: size, restartWait: 2)
        let checkpoints = try #require(db.checkpoints)
        #expect(checkpoints.pagesBeforeRestart == 4_000)
        // The WAL emptied (a commit after a checkpoint that copied it all starts it over by itself), then the same 2,000
        // pages with the same reader: they stay, where the 1,500 of a small database started it over just above.
        _ = try walFrames(db)
        try Self.fill(db, rows: 1)
        #expect(try walFrames(db) < 10)
        try Self.whileAReaderWaits(db) { try Self.fill(db, rows: 500) }
        #expect(try walFrames(db) > 1_900)
    }

    private static func fill(_ db: CorpusDatabase, rows: Int) throws {
        try db.writer.write { try $0.execute(sql: """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
            INSERT INTO filler SELECT randomblob(4000) FROM n
            """) }
    }

    /// Four `write`s while a reader holds a snapshot from before them for half a second, as a look-up made ahead does;
    /// returns once the checkpoints they asked for are done.
    private static func whileAReaderWaits(_ db: CorpusDatabase, _ write: () throws -> Void) throws {
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
        for _ in 0..<4 { try write() }
        db.checkpoints?.drain()
    }

    private static let fixedRestart = WALRestartSize(pages: 1_500...1_500, databaseShare: 8)

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
