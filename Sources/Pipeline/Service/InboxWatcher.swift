import Foundation
import Logging
import ServiceLifecycle

/// Turns what the inbox source reports into durable queue rows, and wakes the ingestor.
///
/// inotify is a hint and the scan is the truth: the whole inbox is walked at start, on overflow, on request,
/// and on poll ticks as `ScanSchedule` decides (every tick without inotify); registering a file twice is
/// harmless because the database allows one live item per path.
public struct InboxWatcher: Service {
    let source: InboxSource
    let scanner: InboxScanner
    let database: CorpusDatabase
    let settle: Double
    let wake: @Sendable () -> Void
    let onStartupScan: @Sendable (Int) -> Void
    let health: DaemonHealth
    let logger: Logger
    /// The longest time between full scans while inotify reports every arrival.
    let fullScanInterval: Double
    /// A queueing error leaves files unmarked: the next tick must scan them again.
    private let fullScanOwed = Live(false)

    public init(
        source: InboxSource, scanner: InboxScanner, database: CorpusDatabase, settle: Double,
        wake: @escaping @Sendable () -> Void, onStartupScan: @escaping @Sendable (Int) -> Void,
        health: DaemonHealth, logger: Logger, fullScanInterval: Double = ScanSchedule.defaultSafetyInterval
    ) {
        self.fullScanInterval = fullScanInterval
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
        var schedule = ScanSchedule(safetyInterval: fullScanInterval)
        health.setInotify(source.inotifyActive)
        let found = fullScan(&tracker, &schedule)
        onStartupScan(found)
        for await event in source.events.cancelOnGracefulShutdown() {
            let seenSince = Date()
            if fullScanOwed.value {
                fullScanOwed.value = false
                schedule.owe()
            }
            switch event {
            case .overflow, .rescan:
                fullScan(&tracker, &schedule)
            case .tick:
                if schedule.tickNeedsFullScan(now: Date().timeIntervalSince1970, inotifyComplete: source.inotifyComplete) {
                    fullScan(&tracker, &schedule)
                } else {
                    // inotify has reported every arrival: only files still settling need a look.
                    health.metrics.scanned(full: false)
                    recheck(seenSince: seenSince, &tracker)
                    wake()
                }
            case .completed(let paths):
                var complete: [InboxEntry] = []
                for entry in paths.compactMap(scanner.stat) {
                    if entry.kind == .folder {
                        scanFolder(entry.path, movedIn: true, &tracker)
                    } else if tracker.completed(entry) {
                        complete.append(entry)
                    }
                }
                register(complete, seenSince: seenSince, &tracker)
            case .appeared(let paths):
                let entries = paths.compactMap(scanner.stat)
                register(tracker.ready(from: entries, now: Date().timeIntervalSince1970, complete: false),
                         seenSince: seenSince, &tracker)
            case .folderAppeared(let path, let movedIn):
                scanFolder(path, movedIn: movedIn, &tracker)
            case .recheck:
                recheck(seenSince: seenSince, &tracker)
            }
            // Files still settling are looked at again once they may have, not only at the next poll.
            if tracker.watchingCount > 0 { source.requestRecheck(after: max(0.1, settle / 2)) }
        }
        source.stop()
        logger.debug("inbox watcher stopped")
    }

    /// Looks again at the files waiting to settle.
    private func recheck(seenSince: Date, _ tracker: inout SettleTracker) {
        let watched = tracker.watchedPaths
        let entries = watched.compactMap(scanner.stat)
        tracker.forget(Set(watched).subtracting(entries.map(\.path)))
        register(tracker.ready(from: entries, now: Date().timeIntervalSince1970, complete: false),
                 seenSince: seenSince, &tracker)
    }

    /// Walks the whole inbox; returns how many files it queued.
    @discardableResult
    private func fullScan(_ tracker: inout SettleTracker, _ schedule: inout ScanSchedule) -> Int {
        let seenSince = Date()
        schedule.fullScanDone(at: seenSince.timeIntervalSince1970)
        health.metrics.scanned(full: true)
        let entries = scanner.scan(visitFolder: source.watch)
        let ready = tracker.ready(from: entries, now: Date().timeIntervalSince1970, complete: true)
        let queued = register(ready, seenSince: seenSince, &tracker)
        wake()
        return queued
    }

    /// A folder that just appeared: its files, if it was moved in whole, are complete; if it was
    /// created, they may still be written and must settle.
    private func scanFolder(_ folder: InboxPath, movedIn: Bool, _ tracker: inout SettleTracker) {
        let seenSince = Date()
        source.watch(folder)
        let entries = scanner.scan(folder, visitFolder: source.watch)
        let ready = movedIn
            ? entries.filter { $0.kind != .folder && tracker.completed($0) }
            : tracker.ready(from: entries, now: Date().timeIntervalSince1970, complete: false)
        register(ready, seenSince: seenSince, &tracker)
    }

    /// Writes queue rows for the entries that nobody is still writing, and wakes the ingestor.
    /// `seenSince`: when the look that found them began.
    @discardableResult
    private func register(_ entries: [InboxEntry], seenSince: Date, _ tracker: inout SettleTracker) -> Int {
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
                settled.map { InboxCandidate(path: $0.path, size: $0.size, mtime: $0.mtime) },
                seenSince: seenSince, now: Date())
            tracker.markQueued(settled)
            health.queued(created)
            if created > 0 {
                logger.debug("queued files", metadata: ["count": "\(created)"])
                wake()
            }
            return created
        } catch {
            // Left unmarked: the next scan offers them again, and the next tick is one.
            fullScanOwed.value = true
            logger.error("could not queue files; will retry on the next scan", metadata: ["error": "\(error)"])
            health.error("queue: \(error)", at: Date())
            return 0
        }
    }
}

/// Whether a poll tick walks the whole inbox. Pure: time comes in as a value.
///
/// While inotify reports every arrival (set up, every folder watched; a lost event comes as `overflow`,
/// which always scans), a tick only looks again at files still settling, and the full scan runs at
/// start, on overflow, on request, after a queueing error and at least every `safetyInterval` seconds
/// as a safety net. Without complete inotify coverage every tick is a full scan.
public struct ScanSchedule: Sendable {
    public static let defaultSafetyInterval: Double = 60
    public var safetyInterval: Double
    private var lastFullScan = -Double.infinity
    private var owed = false

    public init(safetyInterval: Double) { self.safetyInterval = safetyInterval }

    /// A full scan began at `now`.
    public mutating func fullScanDone(at now: Double) {
        lastFullScan = now
        owed = false
    }

    /// Something may have been missed (files found but not queued): the next tick scans.
    public mutating func owe() { owed = true }

    public func tickNeedsFullScan(now: Double, inotifyComplete: Bool) -> Bool {
        !inotifyComplete || owed || now - lastFullScan >= safetyInterval
    }
}

extension InboxWatcher: CustomStringConvertible {
    public var description: String { "InboxWatcher" }
}
