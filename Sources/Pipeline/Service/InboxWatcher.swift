import Foundation
import Logging
import ServiceLifecycle

/// Turns what the inbox source reports into durable queue rows, and wakes the ingestor.
///
/// inotify is a hint and the scan is the truth: every poll tick (and every overflow) walks the whole
/// inbox; registering a file twice is harmless because the database allows one live item per path.
public struct InboxWatcher: Service {
    let source: InboxSource
    let scanner: InboxScanner
    let database: CorpusDatabase
    let settle: Double
    let wake: @Sendable () -> Void
    let onStartupScan: @Sendable (Int) -> Void
    let health: DaemonHealth
    let logger: Logger

    public init(
        source: InboxSource, scanner: InboxScanner, database: CorpusDatabase, settle: Double,
        wake: @escaping @Sendable () -> Void, onStartupScan: @escaping @Sendable (Int) -> Void,
        health: DaemonHealth, logger: Logger
    ) {
        self.source = source
        self.scanner = scanner
        self.database = database
        self.settle = settle
        self.wake = wake
        self.onStartupScan = onStartupScan
        self.health = health
        self.logger = logger
    }

    public func run() async throws {
        var tracker = SettleTracker(settle: settle)
        health.setInotify(source.inotifyActive)
        let found = fullScan(&tracker)
        onStartupScan(found)
        for await event in source.events.cancelOnGracefulShutdown() {
            switch event {
            case .tick, .overflow:
                fullScan(&tracker)
            case .fileCompleted(let path):
                guard let entry = scanner.stat(path) else { continue }
                if entry.kind == .folder {
                    scanFolder(path, &tracker)
                } else if tracker.completed(entry) {
                    register([entry], &tracker)
                }
            case .appeared(let path):
                guard let entry = scanner.stat(path) else { continue }
                register(tracker.ready(from: [entry], now: Date().timeIntervalSince1970, complete: false), &tracker)
            case .folderAppeared(let path):
                scanFolder(path, &tracker)
            }
        }
        source.stop()
        logger.debug("inbox watcher stopped")
    }

    /// Walks the whole inbox; returns how many files it queued.
    @discardableResult
    private func fullScan(_ tracker: inout SettleTracker) -> Int {
        let entries = scanner.scan(visitFolder: source.watch)
        let ready = tracker.ready(from: entries, now: Date().timeIntervalSince1970, complete: true)
        let queued = register(ready, &tracker)
        wake()
        return queued
    }

    private func scanFolder(_ folder: InboxPath, _ tracker: inout SettleTracker) {
        source.watch(folder)
        let entries = scanner.scan(folder, visitFolder: source.watch)
        register(tracker.ready(from: entries, now: Date().timeIntervalSince1970, complete: false), &tracker)
    }

    /// Writes queue rows for the entries that nobody is still writing, and wakes the ingestor.
    @discardableResult
    private func register(_ entries: [InboxEntry], _ tracker: inout SettleTracker) -> Int {
        guard !entries.isEmpty else { return 0 }
        var settled: [InboxEntry] = []
        for entry in entries {
            if entry.kind == .regular && scanner.isOpenForWriting(entry.path) {
                tracker.keepWatching(entry)
            } else {
                settled.append(entry)
            }
        }
        guard !settled.isEmpty else { return 0 }
        do {
            let created = try database.register(
                settled.map { InboxCandidate(path: $0.path, size: $0.size, mtime: $0.mtime) }, now: Date())
            tracker.markQueued(settled)
            health.queued(created)
            if created > 0 {
                logger.debug("queued files", metadata: ["count": "\(created)"])
                wake()
            }
            return created
        } catch {
            // Left unmarked: the next scan offers them again.
            logger.error("could not queue files; will retry on the next scan", metadata: ["error": "\(error)"])
            health.error("queue: \(error)", at: Date())
            return 0
        }
    }
}

extension InboxWatcher: CustomStringConvertible {
    public var description: String { "InboxWatcher" }
}
