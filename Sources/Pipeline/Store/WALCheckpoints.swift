import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// Copies the WAL back into the database file on a connection and a thread of its own, so that the one writer
/// waits for it only when it starts the WAL over (past `restartSize`).
///
/// By default SQLite checkpoints on the connection that commits, inside its commit, once the WAL holds 1,000 pages:
/// the writer then copies those pages into the database file and waits for two `fdatasync`s. At 225 k documents that
/// was 7.5 % of the writer's CPU samples and ~3 s of waits on the disk per 5,000 entries (the database file's sync
/// alone took 0.38 s each, its dirty pages scattered over 2 GB), all of it while the parsing side waited for the
/// writer (BENCHMARKS.md, "Checkpoints off the writer"). Here the writer's automatic checkpoint is off; its WAL hook
/// (called after each commit with the WAL's size) wakes this checkpointer, which runs a passive checkpoint beside
/// the writer: WAL mode lets a checkpoint copy committed pages while new ones are appended. It runs on a thread of
/// its own at a lower CPU priority (`BackgroundThread`): the ingest keeps both cores busy and the writer sets its
/// pace, so a checkpoint (~6 % of the CPU at 1 M documents) should take its time from the parsing, not from the
/// writer.
final class WALCheckpoints: Sendable {
    /// The WAL size, in pages, past which a checkpoint is started: SQLite's own default for its automatic one.
    static let pagesBeforeCheckpoint: CInt = 1_000
    /// The WAL size, in pages, past which the writer starts the WAL over (`WALRestartSize`).
    ///
    /// A passive checkpoint copies only what no reader's snapshot still needs, and the writer starts the WAL over from
    /// its beginning only when no reader holds a snapshot in it. While a container is recorded the look-ups made ahead
    /// nearly always hold one, so the WAL only grew: 2.5 GB (and its index mapped by every connection, 4.9 MB each) by
    /// the end of a `make bench` run. Past this size the writer itself, right after its commit, runs a `RESTART`
    /// checkpoint: it waits (at most `restartWait`) for the readers of older snapshots to finish and copies what the
    /// passive ones left; its next commit writes the WAL from its beginning again. Run by the checkpointer's
    /// connection instead, it had to catch the writer's lock between two of its transactions and mostly could not
    /// while a container was recorded: the WAL reached 229 MiB in a 5,000-entry ingest, and the checkpoint that
    /// finally emptied it held up the next file for 0.9 s.
    ///
    /// The file is written over in place, not emptied (`TRUNCATE`): cutting 64 MiB off took the writer 55 ms at each
    /// restart, and a WAL that grows from nothing again makes the file system allocate its blocks anew under every
    /// commit's `fdatasync`. A WAL that grew past `sizeLimitQuarters` quarters of the largest restart size (a reader
    /// kept it from starting over) is cut back to that by the first commit after the restart
    /// (`PRAGMA journal_size_limit`).
    static let restartSize = WALRestartSize(pages: 16_384...65_536, databaseShare: 8)
    /// The WAL file is cut back to this many quarters of the largest restart size once it starts over: room for the
    /// commit that passes it.
    static let sizeLimitQuarters = 5
    /// How long the writer waits for readers of older snapshots before it leaves the WAL as it is, and how much
    /// further the WAL grows before it tries again (a reader that long, such as a whole export, may still be there).
    static let restartWait: TimeInterval = 0.25
    static let restartRetryShare = 4

    private let connection: DatabaseQueue
    /// Runs the passive checkpoints, one at a time; commits while one is asked for ask once.
    private let thread: BackgroundThread

    private let restartSize: WALRestartSize
    /// The database file, whose size sets the next restart's, and its page size.
    private let path: String
    private let pageSize: Int
    private let restartWait: TimeInterval
    private let logger: Logger
    /// The WAL size at which the writer next tries to start it over (raised after a try that had to give up).
    private let nextRestart: Atomic<Int>
    /// The last checkpoint failed, or could not start the WAL over: said once, and again when it recovers, not at
    /// every commit that tries again.
    private let failing = Atomic<Bool>(false), restartFailing = Atomic<Bool>(false)

    /// Checkpoints for the database at `path`, whose WAL `pool`'s writer appends to.
    init(path: String, pool: DatabasePool, restartSize: WALRestartSize, restartWait: TimeInterval, logger: Logger) throws {
        self.restartSize = restartSize
        self.path = path
        self.restartWait = restartWait
        self.logger = logger
        var config = Configuration()
        config.label = "corpusd.checkpoint"
        config.prepareDatabase { db in try CorpusDatabase.keepWALFiles(db) }
        connection = try DatabaseQueue(path: path, configuration: config)
        pageSize = try connection.read { try Int.fetchOne($0, sql: "PRAGMA page_size") } ?? 4_096
        nextRestart = Atomic(restartSize.pages(forDatabaseAt: path, pageSize: pageSize))
        // The thread and the WAL hook reach the checkpointer weakly: closing the database ends the thread.
        let context = HookContext()
        thread = BackgroundThread(name: "corpusd-ckpt", nice: Self.nice) { context.checkpoints?.checkpoint() }
        context.checkpoints = self
        let hook = Unmanaged.passRetained(context).toOpaque()
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_size_limit = \(restartSize.pages.upperBound * pageSize * Self.sizeLimitQuarters / 4)")
            // Replaces SQLite's automatic checkpoint, which is a WAL hook too. Called on the writer's thread after each
            // commit, outside any transaction (SQLite's own hook checkpoints there too).
            _ = sqlite3_wal_hook(db.sqliteConnection, { context, writer, _, pages in
                if pages >= WALCheckpoints.pagesBeforeCheckpoint, let writer {
                    Unmanaged<HookContext>.fromOpaque(context!).takeUnretainedValue().checkpoints?.walGrew(to: Int(pages), writer: writer)
                }
                return SQLITE_OK
            }, hook)
        }
    }

    /// After a commit left the WAL large: past the restart size the writer starts it over, else a passive checkpoint
    /// is asked of the checkpointer's thread.
    private func walGrew(to pages: Int, writer: OpaquePointer) {
        if pages >= nextRestart.load(ordering: .relaxed) {
            restart(pages: pages, writer: writer)
            return
        }
        thread.signal()
    }

    /// The checkpointer thread's nice value: at 10 it gets about a tenth of a core that the ingest's threads also
    /// want, more than the passive checkpoints need. On Dispatch's utility queue it ran at nice 2. At 1.25–1.34 M
    /// documents (`bench/at_scale.py`, 20,000 entries a run, alternated) the ingest ran 8.7 %, 1.7 % and 0.2 % faster
    /// for it (BENCHMARKS.md, "The checkpointer at a lower priority").
    static let nice: Int32 = 10

    deinit { thread.stop() }

    /// A passive checkpoint: it copies what no reader still needs and waits for no one. What it cannot copy is
    /// copied by a later one (every commit past the size starts one), or by the writer's restart.
    private func checkpoint() {
        do {
            try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            if failing.exchange(false, ordering: .relaxed) { logger.notice("WAL checkpoints work again") }
        } catch {
            // The WAL only grows until one succeeds; the writer's commits are unaffected.
            if !failing.exchange(true, ordering: .relaxed) {
                logger.error("WAL checkpoint failed; tried again after later commits", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The writer's `RESTART` checkpoint, on its own connection between two transactions, after the passive one
    /// running (if any) is done: only one checkpoint runs at a time, and a second gives up at once.
    private func restart(pages: Int, writer: OpaquePointer) {
        drain()
        sqlite3_busy_timeout(writer, CInt(restartWait * 1000))
        let code = sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_RESTART, nil, nil)
        sqlite3_busy_timeout(writer, CInt(CorpusDatabase.busyTimeout * 1000))
        if code == SQLITE_OK {
            nextRestart.store(restartSize.pages(forDatabaseAt: path, pageSize: pageSize), ordering: .relaxed)
            if restartFailing.exchange(false, ordering: .relaxed) {
                logger.notice("WAL started over", metadata: ["wal_pages": "\(pages)"])
            }
            return
        }
        nextRestart.store(pages + max(1, restartSize.pages.lowerBound / Self.restartRetryShare), ordering: .relaxed)
        guard !restartFailing.exchange(true, ordering: .relaxed) else { return }
        if code == SQLITE_BUSY {
            logger.warning("WAL not started over: a reader kept an older snapshot past the wait; tried again as it grows",
                           metadata: ["wal_pages": "\(pages)"])
        } else {
            logger.error("WAL not started over; tried again as it grows",
                         metadata: ["wal_pages": "\(pages)", "error": "\(String(cString: sqlite3_errstr(code)))"])
        }
    }

    /// The restart size the writer waits for now (tests).
    var pagesBeforeRestart: Int { nextRestart.load(ordering: .relaxed) }

    /// Waits for an asked-for checkpoint to finish (the writer's restart, and tests).
    func drain() { thread.drain() }
}

/// When the writer starts the WAL over: past a share of the database file's size, within bounds.
///
/// Each start over costs the writer about the same whatever the WAL's size (~70–400 ms at 1.47 M documents: it waits
/// for the look-ups made ahead to leave their snapshots, copies what the passive checkpoints left and syncs the database
/// file), so the larger the WAL allowed, the fewer of them: at 64 MiB they took ~14 % of the writer's wall time past
/// 1 M documents, at 256 MiB ~2.5 % (BENCHMARKS.md, "A WAL that grows with the database"). A share of the database
/// keeps a small corpus's WAL small (64 MiB up to a 512 MiB database) and bounds the disk it takes beside a large one.
struct WALRestartSize: Sendable {
    /// The smallest and largest restart sizes, in pages.
    var pages: ClosedRange<Int>
    /// The restart size is the database's page count divided by this, within `pages`.
    var databaseShare: Int

    func pages(forDatabasePages databasePages: Int) -> Int {
        min(max(databasePages / databaseShare, pages.lowerBound), pages.upperBound)
    }

    /// The restart size for the database file at `path` as it is now (`stat`, a few µs: read at open and by the writer
    /// after each restart). A file that cannot be read is taken as empty (the smallest size).
    func pages(forDatabaseAt path: String, pageSize: Int) -> Int {
        var info = stat()
        let bytes = stat(path, &info) == 0 ? Int(info.st_size) : 0
        return pages(forDatabasePages: bytes / pageSize)
    }
}

/// What the WAL hook and the checkpointer's thread reach the checkpointer through: neither may keep it (and its
/// connection) open. SQLite's hook has no destructor to release it, so it outlives the database (one small object
/// per opened database) and reaches the checkpointer only while that exists.
private final class HookContext: @unchecked Sendable {
    // @unchecked: set once in the checkpointer's init, before the hook is installed and the thread first signalled.
    weak var checkpoints: WALCheckpoints?
}
