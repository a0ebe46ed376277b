import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// Copies the WAL back into the database file on a connection and a thread of its own, so that the one writer
/// never waits for it.
///
/// By default SQLite checkpoints on the connection that commits, inside its commit, once the WAL holds 1,000 pages:
/// the writer then copies those pages into the database file and waits for two `fdatasync`s. At 225 k documents that
/// was 7.5 % of the writer's CPU samples and ~3 s of waits on the disk per 5,000 entries (the database file's sync
/// alone took 0.38 s each, its dirty pages scattered over 2 GB), all of it while the parsing side waited for the
/// writer (BENCHMARKS.md, "Checkpoints off the writer"). Here the writer's automatic checkpoint is off; its WAL hook
/// (called after each commit with the WAL's size) wakes this checkpointer, which runs a passive checkpoint beside
/// the writer: WAL mode lets a checkpoint copy committed pages while new ones are appended. The WAL starts over
/// from its beginning at the writer's next transaction once a checkpoint has copied all of it, as before.
final class WALCheckpoints: Sendable {
    /// The WAL size, in pages, past which a checkpoint is started: SQLite's own default for its automatic one.
    static let pagesBeforeCheckpoint: CInt = 1_000
    /// The WAL size, in pages, past which the checkpointer waits for the readers and starts the WAL over (64 MiB).
    ///
    /// A passive checkpoint copies only what no reader's snapshot still needs, and the writer starts the WAL over from
    /// its beginning only when no reader holds a snapshot in it. While a container is recorded the look-ups made ahead
    /// nearly always hold one, so the WAL only grew: 2.5 GB (and its index mapped by every connection, 4.9 MB each) by
    /// the end of a `make bench` run. Past this size a `TRUNCATE` checkpoint waits (at most `restartWait` s, new writes
    /// waiting with it) for the readers of older snapshots to finish, copies everything and empties the file.
    static let pagesBeforeRestart = 16_384
    static let restartWait: TimeInterval = 2

    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "corpusd.checkpoint", qos: .utility)
    /// A checkpoint is queued and has not started: commits meanwhile need not queue another.
    private let queued = Atomic<Bool>(false)

    private let pagesBeforeRestart: Int
    private let logger: Logger
    /// The last checkpoint failed, or could not start the WAL over: said once, and again when it recovers, not at
    /// every commit that queues another.
    private let failing = Atomic<Bool>(false), restartFailing = Atomic<Bool>(false)

    /// Checkpoints for the database at `path`, whose WAL `pool`'s writer appends to.
    init(path: String, pool: DatabasePool, pagesBeforeRestart: Int, restartWait: TimeInterval, logger: Logger) throws {
        self.pagesBeforeRestart = pagesBeforeRestart
        self.logger = logger
        var config = Configuration()
        config.label = "corpusd.checkpoint"
        config.busyMode = .timeout(restartWait)
        config.prepareDatabase { db in try CorpusDatabase.keepWALFiles(db) }
        connection = try DatabaseQueue(path: path, configuration: config)
        let hook = Unmanaged.passRetained(HookContext(self)).toOpaque()
        pool.writeWithoutTransaction { db in
            // Replaces SQLite's automatic checkpoint, which is a WAL hook too.
            _ = sqlite3_wal_hook(db.sqliteConnection, { context, _, _, pages in
                if pages >= WALCheckpoints.pagesBeforeCheckpoint {
                    Unmanaged<HookContext>.fromOpaque(context!).takeUnretainedValue().checkpoints?.walGrew()
                }
                return SQLITE_OK
            }, hook)
        }
    }

    /// After a commit left the WAL large: a checkpoint is queued unless one already is.
    private func walGrew() {
        guard !queued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.async { [self] in
            queued.store(false, ordering: .releasing)
            checkpoint()
        }
    }

    /// A passive checkpoint: it copies what no reader still needs and waits for no one. What it cannot copy is
    /// copied by a later one (every commit past the size starts one). Past `pagesBeforeRestart`, a truncating one.
    private func checkpoint() {
        do {
            try connection.writeWithoutTransaction { db in
                let (frames, _) = try db.checkpoint(.passive)
                guard frames >= pagesBeforeRestart else { return }
                do {
                    try db.checkpoint(.truncate)
                    if restartFailing.exchange(false, ordering: .relaxed) {
                        logger.notice("WAL started over", metadata: ["wal_pages": "\(frames)"])
                    }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    // A reader kept an older snapshot, or the writer its lock, past the wait: the next checkpoint tries again.
                    if !restartFailing.exchange(true, ordering: .relaxed) {
                        logger.warning("WAL not started over: a reader of an older snapshot or the writer kept it busy past the wait; tried again after later commits",
                                       metadata: ["wal_pages": "\(frames)"])
                    }
                }
            }
            if failing.exchange(false, ordering: .relaxed) { logger.notice("WAL checkpoints work again") }
        } catch {
            // The WAL only grows until one succeeds; the writer's commits are unaffected.
            if !failing.exchange(true, ordering: .relaxed) {
                logger.error("WAL checkpoint failed; tried again after later commits", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Waits for a queued checkpoint to finish (tests).
    func drain() { queue.sync {} }
}

/// The WAL hook's context. SQLite's hook has no destructor to release it, so it outlives the database (one small
/// object per opened database) and reaches the checkpointer only while that exists.
private final class HookContext: Sendable {
    weak let checkpoints: WALCheckpoints?
    init(_ checkpoints: WALCheckpoints) { self.checkpoints = checkpoints }
}
