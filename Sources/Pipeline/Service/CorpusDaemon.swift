#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle

/// Everything the daemon can be told.
public struct DaemonConfig: Sendable {
    public var layout: StateLayout
    /// Seconds between full scans of the inbox.
    public var pollInterval: Double = 2
    /// How long a file found by the scan must stay unchanged before it is queued.
    public var settle: Double = 1
    public var useInotify: Bool = true
    /// The most inbox folders to watch with inotify; those beyond are found by the poll alone.
    public var maxWatches: Int = .max
    public var maxFileSize: Int64 = 16 << 20
    public var ingest = Ingestor.Settings()
    /// Where to write the Prometheus metrics every `metricsInterval` seconds, if anywhere.
    public var metricsFile: String?
    public var metricsInterval: Double = 5
    /// The taxonomy file; nil: the default location, else the built-in taxonomy (`TaxonomyLocation.resolve`).
    public var taxonomyPath: String?
    /// The learned model's tags are given at this probability or above.
    public var modelThreshold: Double = TagModel.defaultThreshold
    public var learning = TagLearner.Settings()

    public init(layout: StateLayout) { self.layout = layout }
}

/// The whole daemon object graph, built in one place: `corpusd`'s `main` and the tests both call `build`.
public struct CorpusDaemon: Sendable {
    public let config: DaemonConfig
    public let database: CorpusDatabase
    public let health: DaemonHealth
    public let group: ServiceGroup
    let presence: DaemonPresence

    /// Creates the state folders, takes the state folder's lock, opens and migrates the database, and
    /// wires the services. Throws when the folder is unusable or another daemon holds it.
    public static func build(config: DaemonConfig, logger: Logger) throws -> CorpusDaemon {
        let layout = config.layout
        for directory in [layout.stateDirectory, layout.inbox, layout.archive, layout.failed] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let presence = try DaemonPresence(
            path: layout.pidFile, info: .init(pid: getpid(), control: layout.controlSocket, started: Date()))
        let database = try CorpusDatabase.open(path: layout.database)
        let tagging = try Tagging(taxonomyPath: config.taxonomyPath, stateDirectory: layout.stateDirectory,
                                  threshold: config.modelThreshold, database: database,
                                  logger: logger.with(label: "corpusd.tags"))
        let learner = TagLearner(database: database, tagging: tagging, settings: config.learning,
                                 logger: logger.with(label: "corpusd.tags"))
        let health = DaemonHealth(now: Date())
        let notifier = ServiceManagerNotifier()

        var wakeContinuation: AsyncStream<Void>.Continuation!
        let wakeups = AsyncStream<Void>(bufferingPolicy: .bufferingNewest(1)) { wakeContinuation = $0 }
        let wake: @Sendable () -> Void = { [wakeContinuation] in wakeContinuation!.yield() }

        let host = ProcessInfo.processInfo.hostName
        let files = InboxFiles(inbox: layout.inbox, archive: layout.archive, failed: layout.failed,
                               maxFileSize: config.maxFileSize)
        let ingestor = Ingestor(
            database: database, files: files, tagging: tagging, learner: learner, worker: "\(host):\(getpid())",
            workerPrefix: "\(host):", settings: config.ingest, wakeups: wakeups, health: health,
            logger: logger.with(label: "corpusd.ingest"))
        let source = InboxSource(root: layout.inbox, pollInterval: config.pollInterval, useInotify: config.useInotify,
                                 maxWatches: config.maxWatches,
                                 logger: logger.with(label: "corpusd.inbox"))
        let watcher = InboxWatcher(
            source: source, scanner: InboxScanner(root: layout.inbox), database: database, settle: config.settle,
            wake: wake,
            onStartupScan: { queued in
                let counts = try? database.counts()
                notifier.ready(status: "watching \(layout.inbox) — \(counts?.count(.pending) ?? queued) pending")
                logger.notice("ready", metadata: [
                    "inbox": "\(layout.inbox)", "database": "\(layout.database)", "queued_at_start": "\(queued)",
                    "inotify": "\(source.inotifyActive)",
                ])
            },
            health: health, logger: logger.with(label: "corpusd.inbox"))
        let reporter = ServiceManagerReporter(notifier: notifier, health: health, database: database,
                                              inbox: layout.inbox, logger: logger)
        let control = try ControlServer(
            path: layout.controlSocket,
            handler: DaemonControl(database: database, files: files, health: health, layout: layout,
                                   tagging: tagging, learner: learner,
                                   rescan: { source.requestRescan() }, wake: wake,
                                   logger: logger.with(label: "corpusd.control"),
                                   nearDuplicates: config.ingest.nearDuplicates),
            logger: logger.with(label: "corpusd.control"))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ingestor),
            .init(service: watcher),
            .init(service: control),
            .init(service: reporter),
        ]
        if let path = config.metricsFile {
            // Before the ingestor in the list, so that it stops after it and its last write has every outcome.
            services.insert(.init(service: MetricsFileWriter(
                path: path, interval: .milliseconds(Int64(config.metricsInterval * 1000)),
                render: { health.metrics.exposition(database: database, databasePath: layout.database) },
                logger: logger.with(label: "corpusd.metrics"))), at: 0)
        }
        // Shutdown runs in reverse: the reporter says STOPPING, the control socket closes, the watcher
        // stops, the ingestor finishes its batch.
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        return CorpusDaemon(config: config, database: database, health: health, group: group, presence: presence)
    }

    public func run() async throws {
        try await group.run()
    }
}

extension Logger {
    /// The same handler and level under another label.
    func with(label: String) -> Logger {
        var copy = self
        copy[metadataKey: "component"] = "\(label.split(separator: ".").last ?? "")"
        return copy
    }
}
