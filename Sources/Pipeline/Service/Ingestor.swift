import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Takes pending items from the queue in batches and brings each to its one outcome.
///
/// For every batch: claim (one transaction) → read and run the pipeline, in parallel → record every
/// outcome (one transaction) → move each original to `archive/` or `failed/` → note where it went.
/// Two batches are under way at once: while batch n is recorded and its originals moved (one thread, the
/// database's writer), batch n + 1 is read and parsed on the other cores. Each step can be replayed after
/// a crash: claims are returned to the queue at start, recorded items whose originals were not moved yet
/// are moved, and moving never overwrites.
public struct Ingestor: Service {
    public struct Settings: Sendable {
        public var batchSize: Int = 64
        public var folderTags: Bool = false
        /// How long a claim holds before another worker may take the item back.
        public var lease: TimeInterval = 120
        /// An item whose processing was interrupted this many times is failed instead of retried.
        public var maxAttempts: Int = 10
        /// The longest wait before a batch that could not be recorded (disk full, database busy) is tried again.
        public var maxBackoff: TimeInterval = 30
        /// Near-duplicate threshold and story linking; shared with the control handler.
        public var nearDuplicates = NearDuplicateSettings()
        public init() {}
    }

    let database: CorpusDatabase
    let files: InboxFiles
    /// The taxonomy and model in force; read once per batch.
    let tagging: Tagging
    let learner: TagLearner
    let worker: String
    let workerPrefix: String
    /// Read at every batch, so that a reload's new batch size and folder-tag setting apply to the next batch.
    let liveSettings: Live<Settings>
    let wakeups: AsyncStream<Void>
    let health: DaemonHealth
    let logger: Logger
    let entries: EntryIngest
    /// Crash points a test may arm; none in production.
    let faults: FaultInjection
    private let queue = DispatchQueue(label: "corpusd.ingest")
    /// Gives freed memory back while batches and containers are recorded, and when the queue is empty.
    let trimmer = MallocTrimmer()
    /// The cores shared by the writer and the parsing of the next batch or chunk (see `CoreShare`).
    let cores = CoreShare()
    private let storage = StorageTrouble()

    /// What the ingestor remembers across batches about a storage outage.
    private final class StorageTrouble: Sendable {
        struct State {
            /// Batches in a row that could not be recorded; sets the back-off.
            var failures = 0
            /// Claimed items that could not even be released; released before anything new is claimed.
            var unreleased: [Int64] = []
            /// No claim before this moment: the back-off after the last failure.
            var pausedUntil = Date.distantPast

            /// Notes one more failure in a row; returns the back-off it earns.
            mutating func failed(now: Date, maxBackoff: TimeInterval) -> TimeInterval {
                failures += 1
                let delay = min(maxBackoff, pow(2, Double(min(failures - 1, 16))))
                pausedUntil = now.addingTimeInterval(delay)
                return delay
            }
        }
        let state = Mutex(State())
        func withLock<T: Sendable>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
    }
    private var settings: Settings { liveSettings.value }

    public init(
        database: CorpusDatabase, files: InboxFiles, tagging: Tagging, learner: TagLearner, worker: String, workerPrefix: String,
        settings: Live<Settings>, wakeups: AsyncStream<Void>, health: DaemonHealth, logger: Logger,
        faults: FaultInjection = FaultInjection()
    ) {
        self.faults = faults
        self.database = database
        self.files = files
        self.tagging = tagging
        self.learner = learner
        self.worker = worker
        self.workerPrefix = workerPrefix
        self.liveSettings = settings
        self.wakeups = wakeups
        self.health = health
        self.logger = logger
        var entries = EntryIngest(
            database: database, files: files, worker: worker, settings: settings, logger: logger,
            nearDuplicates: settings.value.nearDuplicates)
        entries.trimmer = trimmer
        entries.cores = cores
        // A container's entries are counted, and may make a retrain due, chunk by chunk as they are recorded.
        entries.recorded = { [health, learner, logger] outcomes in
            health.entriesRecorded(outcomes, at: Date())
            Self.tell(learner, stored: outcomes.filter { $0.state == .stored }.count, logger: logger)
        }
        self.entries = entries
    }

    public func run() async throws {
        await onQueue { recover() }
        for await _ in wakeups.cancelOnGracefulShutdown() {
            // Drain the queue, recording one batch while the next is parsed. A graceful shutdown claims
            // nothing more but lets the batches under way finish.
            var inFlight: Batch?
            repeat {
                let claimMore = !Task.isShuttingDownGracefully
                inFlight = await onQueue { [inFlight] in step(finishing: inFlight, claimMore: claimMore) }
            } while inFlight != nil
            if Task.isShuttingDownGracefully { break }
            await onQueue {
                trimmer.workDone()
                disposeLeftovers()
                do {
                    try database.recoverAbandoned(workerPrefix: nil, now: Date())
                } catch {
                    logger.warning("could not return expired claims", metadata: ["error": "\(error)"])
                }
            }
        }
        logger.debug("ingestor stopped")
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }

    /// Start-up: claims left by this node's previous run go back to the queue; outcomes recorded
    /// but not yet acted on are acted on.
    private func recover() {
        do {
            let returned = try database.recoverAbandoned(workerPrefix: workerPrefix, now: Date())
            if returned > 0 { logger.notice("returned interrupted items to the queue", metadata: ["count": "\(returned)"]) }
        } catch {
            logger.error("could not recover interrupted items", metadata: ["error": "\(error)"])
            health.error("recover: \(error)", at: Date())
        }
        disposeLeftovers()
    }

    private func disposeLeftovers() {
        while true {
            let leftovers: [UndisposedItem]
            do { leftovers = try database.undisposed(limit: 500) } catch {
                logger.error("could not list undisposed items", metadata: ["error": "\(error)"])
                return
            }
            if leftovers.isEmpty { return }
            let moved = dispose(leftovers.map { ($0.id, $0.path, $0.state) },
                                planned: Dictionary(leftovers.compactMap { item in item.destination.map { (item.id, $0) } },
                                                    uniquingKeysWith: { first, _ in first }))
            if moved < leftovers.count { return }
        }
    }

    /// A claimed batch whose files are read and run through the pipeline on other threads; `processed`
    /// is filled once, before `parsed` is signalled.
    private final class Batch: Sendable {
        let claimed: [ClaimedItem]
        let pipeline: ArticlePipeline
        let parsed = DispatchGroup()
        let work = Mutex<(containers: [(ClaimedItem, DetectedFormat)], processed: [ProcessedItem])>(([], []))

        init(claimed: [ClaimedItem], pipeline: ArticlePipeline) {
            self.claimed = claimed
            self.pipeline = pipeline
        }
    }

    /// One turn of the ingest loop: waits for `previous` to be parsed, claims and starts parsing the next batch
    /// (unless `claimMore` is false, or the queue is empty or paused), then records `previous` and moves its
    /// originals while the next one is parsed. Returns the batch now in flight, if any.
    private func step(finishing previous: Batch?, claimMore: Bool) -> Batch? {
        if previous != nil { health.batchStarted(at: Date()) }
        previous?.parsed.wait()
        let next = claimMore ? claimAndParse(alone: previous == nil) : nil
        guard let previous else { return next }
        if finish(previous) { return next }
        // The batch could not be recorded (the storage's fault): the one being parsed goes back too.
        if let next {
            next.parsed.wait()
            release(next.claimed.map(\.id), after: StorageUnavailable(), notBefore: storage.withLock { $0.pausedUntil })
        }
        return nil
    }

    private struct StorageUnavailable: Error, CustomStringConvertible {
        var description: String { "the batch before could not be recorded" }
    }

    /// Claims a batch and starts reading and parsing it on the other threads; nil when nothing was claimed.
    /// `alone`: no batch is under way, so this claim starts one for the health figures.
    private func claimAndParse(alone: Bool) -> Batch? {
        // After a storage failure, the database is left alone for the back-off: the next wake-up after it retries.
        if storage.withLock({ Date() < $0.pausedUntil }) { return nil }
        guard releaseLeftClaims() else { return nil }
        let claimed: [ClaimedItem]
        do {
            claimed = try database.claim(limit: settings.batchSize, worker: worker, lease: settings.lease, now: Date())
        } catch {
            let delay = storage.withLock { $0.failed(now: Date(), maxBackoff: settings.maxBackoff) }
            logger.error("could not claim items; will retry", metadata: ["error": "\(error)", "retry_in_s": "\(delay)"])
            health.error("claim: \(error)", at: Date())
            return nil
        }
        if claimed.isEmpty { return nil }
        if alone { health.batchStarted(at: Date()) }
        var pipeline = tagging.current.pipeline
        pipeline.maxDecompressedSize = files.maxFileSize
        // What the corpus learned of each source's furniture so far (up to the batch before the one being
        // recorded now); unreadable, the batch simply goes without.
        pipeline.sourceFurniture = (try? database.sourceFurniture()) ?? SourceFurniture()
        let batch = Batch(claimed: claimed, pipeline: pipeline)
        batch.parsed.enter()
        DispatchQueue.global().async { [self, pipeline] in
            // Feeds, JSON lists and JSON Lines: one child item per entry, recorded by `finish` (EntryIngest).
            let (containers, singles) = entries.partition(claimed)
            let processed = processAll(singles, pipeline: pipeline)
            batch.work.withLock { $0 = (containers, processed) }
            batch.parsed.leave()
        }
        return batch
    }

    /// Records a parsed batch and moves its originals. False when it could not be recorded (released with a back-off).
    private func finish(_ batch: Batch) -> Bool {
        let (containers, processed) = batch.work.withLock { work in
            defer { work = ([], []) }
            return work
        }
        // Each container's original leaves the inbox once it has its outcome, not after the batch's other containers.
        var entryCount = 0
        for (container, format) in containers {
            guard let settled = entries.ingest(container, format: format, pipeline: batch.pipeline) else { continue }
            entryCount += settled.entries
            _ = dispose([(settled.id, settled.path, settled.state)])
        }

        let recorded: [RecordedItem]
        do {
            let policy = settings.nearDuplicates.policy
            recorded = try cores.recording { try database.record(processed, now: Date(), policy: policy) }
        } catch {
            // Not the files' fault (disk full, I/O error, busy beyond the timeout): back to the queue, later.
            let delay = storage.withLock { $0.failed(now: Date(), maxBackoff: settings.maxBackoff) }
            logger.error("could not record a batch; will retry", metadata: [
                "error": "\(error)", "items": "\(batch.claimed.count)", "retry_in_s": "\(Int(delay))",
            ])
            health.error("record: \(error)", at: Date())
            release(batch.claimed.map(\.id), after: error, notBefore: Date().addingTimeInterval(delay))
            health.batchAbandoned()
            return false
        }
        storage.withLock { $0.failures = 0 }
        for item in recorded { log(item) }
        _ = dispose(recorded.map { ($0.id, $0.path, $0.outcome.state) })
        health.batchFinished(recorded, entries: entryCount, at: Date())
        trimmer.afterWork()
        Self.tell(learner, stored: recorded.filter { $0.outcome.state == .stored }.count, logger: logger)
        return true
    }

    /// Tells the tag learner of documents stored (a single file's batch, or a chunk of a container's entries); a
    /// retrain that fails is logged, and ingestion goes on.
    private static func tell(_ learner: TagLearner, stored: Int, logger: Logger) {
        guard stored > 0 else { return }
        do { try learner.stored(stored) } catch {
            logger.error("could not retrain the tag model", metadata: ["error": "\(error)"])
        }
    }

    /// Returns claimed items to the queue; if even that fails, remembers them for the next batch
    /// rather than leaving them to wait out their lease.
    private func release(_ ids: [Int64], after error: any Error, notBefore: Date) {
        do {
            try database.release(ids, error: "retrying after: \(error)", notBefore: notBefore)
        } catch {
            logger.error("could not return items to the queue; will try again", metadata: ["error": "\(error)"])
            storage.withLock { $0.unreleased += ids }
        }
    }

    /// True when no claim of an earlier, abandoned batch is still held.
    private func releaseLeftClaims() -> Bool {
        let ids = storage.withLock { trouble in
            defer { trouble.unreleased = [] }
            return trouble.unreleased
        }
        guard !ids.isEmpty else { return true }
        do {
            try database.release(ids, error: "retrying after a storage error", notBefore: Date())
            return true
        } catch {
            let delay = storage.withLock {
                $0.unreleased += ids
                return $0.failed(now: Date(), maxBackoff: settings.maxBackoff)
            }
            logger.error("could not return items to the queue; will retry", metadata: ["error": "\(error)", "retry_in_s": "\(delay)"])
            health.error("release: \(error)", at: Date())
            return false
        }
    }

    /// Reads and runs the pipeline over a batch's files in parallel; their near-duplicate look-ups are made ahead,
    /// beside the recording of the batch before.
    private func processAll(_ claimed: [(ClaimedItem, FormatDetection.Verdict?)], pipeline: ArticlePipeline) -> [ProcessedItem] {
        database.lookingAhead(claimed.concurrentMap(sharing: cores) { process($0.0, sniffed: $0.1, pipeline: pipeline) },
                              policy: settings.nearDuplicates.policy, sharing: cores)
    }

    /// Read and pipeline for one item. Pure but for the one read. `sniffed`: the verdict on its head, if one was made.
    private func process(_ item: ClaimedItem, sniffed: FormatDetection.Verdict?, pipeline: ArticlePipeline) -> ProcessedItem {
        if item.attempts > settings.maxAttempts {
            return ProcessedItem(item: item, rawHash: nil, result: .failure(.unreadable(
                "processing was interrupted \(item.attempts - 1) times; set aside so it cannot stop the daemon again")))
        }
        switch files.readOrFail(item.path) {
        case .failure(let failure):
            return ProcessedItem(item: item, rawHash: nil, result: .failure(failure))
        case .success(let (bytes, mtime)):
            let file = SourceFile(name: item.path.fileName, bytes: bytes, modified: Date(timeIntervalSince1970: mtime))
            let folderTags = settings.folderTags ? item.path.folders : []
            return ProcessedItem(
                item: item, rawHash: Digest.sha256(bytes),
                result: pipeline.process(file, folderTags: folderTags, sniffed: sniffed).mapError(IntakeFailure.pipeline))
        }
    }

    /// Moves originals to archive/ or failed/ and records where; returns how many were settled.
    /// The destination is chosen and recorded before the move, so that a crash between the move and
    /// `markDisposed` leaves its place known: on replay (`planned`, from `undisposed`) an original no
    /// longer in the inbox is looked for there.
    private func dispose(_ items: [(id: Int64, path: InboxPath, state: ItemState)],
                         planned: [Int64: [UInt8]] = [:]) -> Int {
        var plans = planned
        var fresh: [(Int64, [UInt8])] = []
        for item in items where plans[item.id] == nil {
            let destination: InboxFiles.Destination = item.state == .failed ? .failed : .archive
            do {
                let relative = try files.chooseDestination(for: item.path, in: destination, avoiding: chosen(plans, in: destination))
                plans[item.id] = destination.prefix + relative
                fresh.append((item.id, destination.prefix + relative))
            } catch {
                disposalFailed(item, error)
            }
        }
        do { try database.planDisposals(fresh) } catch {
            logger.error("could not record where originals go", metadata: ["error": "\(error)"])
            return 0
        }
        faults.reach(.afterDisposalPlan)
        var done: [(Int64, [UInt8])] = []
        for item in items {
            guard let plan = plans[item.id] else { continue }
            do {
                if let settled = try move(item, plan: plan, plans: &plans) { done.append((item.id, settled)) }
            } catch {
                disposalFailed(item, error)
            }
        }
        do {
            try database.markDisposed(done, now: Date())
        } catch {
            logger.error("could not record moved originals", metadata: ["error": "\(error)"])
            return 0
        }
        return done.count
    }

    /// Moves one original to its planned destination, choosing (and recording) another name while a
    /// different file holds it. Returns where it is now relative to the state folder (empty when it
    /// vanished), or nil when it could not be settled.
    private func move(_ item: (id: Int64, path: InboxPath, state: ItemState), plan: [UInt8],
                      plans: inout [Int64: [UInt8]]) throws -> [UInt8]? {
        var plan = plan
        let destination: InboxFiles.Destination = plan.starts(with: InboxFiles.Destination.failed.prefix) ? .failed : .archive
        for _ in 0..<100 {
            switch try files.move(item.path, to: destination, at: Array(plan.dropFirst(destination.prefix.count))) {
            case .moved, .alreadyMoved:
                faults.reach(.afterDisposalMove)
                return plan
            case .vanished:
                return []
            case .nameTaken:
                plans[item.id] = nil
                plan = destination.prefix + (try files.chooseDestination(
                    for: item.path, in: destination, avoiding: chosen(plans, in: destination)))
                plans[item.id] = plan
                try database.planDisposals([(item.id, plan)])
            }
        }
        throw DisposalError(path: item.path, reason: "every name chosen in \(destination) was taken before the move")
    }

    /// The names already chosen in `destination`, relative to it.
    private func chosen(_ plans: [Int64: [UInt8]], in destination: InboxFiles.Destination) -> Set<[UInt8]> {
        Set(plans.values.filter { $0.starts(with: destination.prefix) }.map { Array($0.dropFirst(destination.prefix.count)) })
    }

    private func disposalFailed(_ item: (id: Int64, path: InboxPath, state: ItemState), _ error: any Error) {
        logger.error("could not move an original out of the inbox", metadata: [
            "item": "\(item.id)", "file": "\(item.path)", "error": "\(error)",
        ])
        health.error("\(error)", at: Date())
    }

    private func log(_ item: RecordedItem) {
        var metadata: Logger.Metadata = ["item": "\(item.id)", "file": "\(item.path)", "outcome": "\(item.outcome.state.rawValue)"]
        switch item.outcome {
        case .stored(let id):
            metadata["doc"] = "\(id)"
            logger.info("stored", metadata: metadata)
        case .duplicate(let id, let kind, let similarity):
            metadata["doc"] = "\(id)"
            metadata["kind"] = "\(kind.rawValue)"
            metadata["similarity"] = "\(similarity)"
            logger.info("duplicate", metadata: metadata)
        case .failed(let reason):
            metadata["reason"] = "\(reason)"
            logger.warning("failed", metadata: metadata)
        }
    }
}

extension Ingestor: CustomStringConvertible {
    public var description: String { "Ingestor" }
}
