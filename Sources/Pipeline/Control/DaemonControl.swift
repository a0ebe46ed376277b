import Dispatch
import Foundation
import Logging

/// The running daemon's answers to control requests.
public struct DaemonControl: ControlHandler {
    let database: CorpusDatabase
    let files: InboxFiles
    let health: DaemonHealth
    let layout: StateLayout
    let tagging: Tagging
    let learner: TagLearner
    let rescan: @Sendable () -> Void
    let wake: @Sendable () -> Void
    let reload: @Sendable () -> ReloadReport
    let logger: Logger
    let nearDuplicates: NearDuplicateSettings
    let recheck: NearDuplicateRecheck

    init(database: CorpusDatabase, files: InboxFiles, health: DaemonHealth, layout: StateLayout,
         tagging: Tagging, learner: TagLearner, rescan: @escaping @Sendable () -> Void,
         wake: @escaping @Sendable () -> Void, reload: @escaping @Sendable () -> ReloadReport, logger: Logger,
         nearDuplicates: NearDuplicateSettings, recheck: NearDuplicateRecheck) {
        self.database = database
        self.files = files
        self.health = health
        self.layout = layout
        self.tagging = tagging
        self.learner = learner
        self.rescan = rescan
        self.wake = wake
        self.reload = reload
        self.logger = logger
        self.nearDuplicates = nearDuplicates
        self.recheck = recheck
    }

    public struct Unsupported: Error, CustomStringConvertible {
        public var op: String
        public var description: String { "this corpusd does not support '\(op)'" }
    }

    public func handle(_ request: ControlRequest, progress: @escaping @Sendable (Int, Int, String?) -> Void) async throws -> JSONValue {
        switch request {
        case .status:
            var status = LiveStatus(health.snapshot, now: Date())
            let threshold = nearDuplicates.policy.threshold
            let recorded = try database.nearJudgement()
            status.nearDuplicates = .init(threshold: threshold, corpus: recorded,
                                          warning: NearThresholdChoice.warning(inForce: threshold, recorded: recorded))
            return try JSONValue.from(status)
        case .retry(let ids):
            return try retry(database.retryable(ids: ids), requested: ids.count, progress: progress)
        case .retryAllFailed:
            let items = try database.retryable(ids: nil)
            return try retry(items, requested: items.count, progress: progress)
        case .rescan:
            rescan()
            return .object(["rescan": .string("requested")])
        case .metrics:
            return .object(["text": .string(health.metrics.exposition(database: database, databasePath: layout.database))])
        case .reload:
            // The config file and the taxonomy, as on SIGHUP; a source that failed is in the report.
            return try JSONValue.from(reload())
        case .confirmTags(let document, let names):
            let result = try learner.confirm(names, on: document)
            return try JSONValue.from(result)
        case .rejectTags(let document, let names):
            return try JSONValue.from(learner.reject(names, on: document))
        case .reclassify:
            let summary = try learner.reclassify { done, total in progress(done, total, nil) }
            return try JSONValue.from(summary)
        case .dedupRecheck(let threshold):
            // Minutes on a large corpus: off the cooperative pool, so the other services keep running.
            return try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global(qos: .utility).async {
                    continuation.resume(with: Result { try recheckNearDuplicates(threshold: threshold, progress: progress) })
                }
            }
        }
    }

    /// Re-runs near-duplicate detection over the corpus; a given threshold becomes the running daemon's.
    private func recheckNearDuplicates(threshold: Double?, progress: @Sendable (Int, Int, String?) -> Void) throws -> JSONValue {
        guard recheck.begin() else { throw InvalidRequest(message: "a near-duplicate re-check is already running") }
        defer { recheck.end() }
        var policy = nearDuplicates.policy
        if let threshold {
            guard threshold > 0 && threshold <= 1 else { throw InvalidRequest(message: "threshold must be in (0, 1]") }
            policy.threshold = threshold
            nearDuplicates.policy = policy
        }
        logger.notice("re-checking near-duplicates", metadata: ["threshold": "\(policy.threshold.map { "\($0)" } ?? "off")"])
        let summary = try recheck.run(policy: policy, progress: progress)
        logger.notice("near-duplicate re-check done", metadata: [
            "documents": "\(summary.documentsChecked)", "merged": "\(summary.merged.count)", "copies": "\(summary.copiesChecked)",
            "split": "\(summary.split.count)", "unreadable": "\(summary.unreadable.count)",
        ])
        return try JSONValue.from(summary)
    }

    public struct InvalidRequest: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Moves each original back from failed/ into the inbox and puts its item back in the queue.
    private func retry(_ items: [RetryableItem], requested: Int, progress: @Sendable (Int, Int, String?) -> Void) throws -> JSONValue {
        var retried: [JSONValue] = []
        var problems: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let target: InboxPath
            do {
                target = try files.freeInboxPath(like: item.path) { try database.hasLiveItem(at: $0) }
            } catch {
                problems.append(.string("item \(item.id): \(error)"))
                progress(index + 1, items.count, nil)
                continue
            }
            // Held while the original moves back: a worker taking it first would find no file.
            guard try database.requeue(item.id, at: target, heldUntil: Date().addingTimeInterval(60)) else {
                problems.append(.string("item \(item.id): no longer failed"))
                continue
            }
            do {
                try files.restore(fromFailed: item.failedPath, to: target)
                // Should this fail, the hold simply runs out.
                try? database.unhold(item.id)
                retried.append(.number(Double(item.id)))
                logger.info("retrying", metadata: ["item": "\(item.id)", "file": "\(target)"])
            } catch {
                try database.unrequeue(item.id, reason: "retry failed: \(error)")
                problems.append(.string("item \(item.id): \(error)"))
            }
            progress(index + 1, items.count, nil)
        }
        if items.count < requested {
            problems.append(.string("\(requested - items.count) of the requested items are not failed items with an original in failed/"))
        }
        wake()
        return .object(["retried": .array(retried), "problems": .array(problems)])
    }
}

/// The daemon's live figures, as `corpusctl status` shows them beside the database counts.
public struct LiveStatus: Sendable, Codable, Hashable {
    public var startedAt: Date
    public var uptimeSeconds: Double
    public var ratePerSecondLastMinute: Double
    public var storedSinceStart: Int
    public var duplicatesSinceStart: Int
    public var failedSinceStart: Int
    public var batchUnderWaySince: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
    public var inotify: Bool
    /// The near-duplicate threshold in force, what the corpus was judged with, and a warning when they differ.
    public var nearDuplicates: NearDuplicateStatus?

    public struct NearDuplicateStatus: Sendable, Codable, Hashable {
        @NullEncoded public var threshold: Double?
        @NullEncoded public var corpus: NearJudgement?
        @NullEncoded public var warning: String?
    }

    public init(_ s: DaemonHealth.Snapshot, now: Date) {
        startedAt = s.started
        uptimeSeconds = now.timeIntervalSince(s.started)
        ratePerSecondLastMinute = s.ratePerSecond
        storedSinceStart = s.stored
        duplicatesSinceStart = s.duplicates
        failedSinceStart = s.failed
        batchUnderWaySince = s.batchStartedAt
        lastError = s.lastError
        lastErrorAt = s.lastErrorAt
        inotify = s.inotifyActive
    }
}
