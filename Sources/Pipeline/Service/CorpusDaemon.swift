#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Everything the daemon can be told.
public struct DaemonConfig: Sendable {
    public var layout: StateLayout
    /// Seconds between polls of the inbox: each is a full scan without inotify, else a look at the files
    /// still settling (see `ScanSchedule`).
    public var pollInterval: Double = 2
    /// The longest time between full scans while inotify reports every arrival.
    public var fullScanInterval: Double = ScanSchedule.defaultSafetyInterval
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
    /// Retrains at most once a minute after the first: in a bulk load of labelled documents (`make bench`: 700 a
    /// second) one every 5,000 documents took ~8 % of the daemon's CPU at 1 M documents.
    public var learning: TagLearner.Settings = {
        var settings = TagLearner.Settings()
        settings.minInterval = .seconds(60)
        return settings
    }()
    public var logLevel: Logger.Level = .info
    /// Seconds a batch may go without recording anything (a file's outcome, a chunk of a container's entries)
    /// before the daemon counts itself hung: it stops the watchdog pings, and systemd restarts it.
    public var hungAfter: Double = 60
    /// Crash points armed for a test (`CORPUSD_FAULT`); none otherwise.
    public var faults = FaultInjection()
    /// The near-duplicate threshold the settings give (`.some(nil)`: off), or nil when they give none: then
    /// the daemon judges with the threshold the corpus records (the last `dedup --recheck`'s), else the default.
    public var configuredNearThreshold: Double?? = nil
    /// Re-reads the settings for a reload (config file, then the command line over it); nil when
    /// there is nothing to re-read. Only the log level and the ingest settings apply at once; the
    /// others are reported as needing a restart.
    public var reread: (@Sendable () throws -> DaemonConfig)?

    public init(layout: StateLayout) { self.layout = layout }
}

/// The whole daemon object graph, built in one place: `corpusd`'s `main` and the tests both call `build`.
public struct CorpusDaemon: Sendable {
    public let config: DaemonConfig
    public let database: CorpusDatabase
    public let health: DaemonHealth
    public let group: ServiceGroup
    /// Where parts that re-read a file on reload register their hook (see `ReloadRegistry`).
    public let reloads: ReloadRegistry
    /// Runs a reload as SIGHUP and `corpusctl reload` do.
    public let reloader: Reloader
    let presence: DaemonPresence

    /// Creates the state folders, takes the state folder's lock, opens and migrates the database, and
    /// wires the services. Throws when the folder is unusable or another daemon holds it.
    /// `logLevel` is the level the daemon's log handlers read (see `SharedLevelLogHandler`); a reload sets it.
    public static func build(config: DaemonConfig, logger: Logger, logLevel: Live<Logger.Level> = Live(.info))
        async throws -> CorpusDaemon
    {
        let layout = config.layout
        for directory in [layout.stateDirectory, layout.inbox, layout.archive, layout.failed] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let presence = try DaemonPresence(
            path: layout.pidFile, info: .init(pid: getpid(), control: layout.controlSocket, started: Date()))
        let notifier = ServiceManagerNotifier()
        let database = try notifier.extendingStart("opening the database (its schema is brought up to date)") {
            try CorpusDatabase.open(path: layout.database, logger: logger.with(label: "corpusd.store"))
        }
        let tagging = try Tagging(taxonomyPath: config.taxonomyPath, stateDirectory: layout.stateDirectory,
                                  threshold: config.modelThreshold, database: database,
                                  logger: logger.with(label: "corpusd.tags"))
        let learner = TagLearner(database: database, tagging: tagging, settings: config.learning,
                                 logger: logger.with(label: "corpusd.tags"))
        let health = DaemonHealth(now: Date())

        var wakeContinuation: AsyncStream<Void>.Continuation!
        let wakeups = AsyncStream<Void>(bufferingPolicy: .bufferingNewest(1)) { wakeContinuation = $0 }
        let wake: @Sendable () -> Void = { [wakeContinuation] in wakeContinuation!.yield() }

        let host = ProcessInfo.processInfo.hostName
        let files = InboxFiles(inbox: layout.inbox, archive: layout.archive, failed: layout.failed,
                               maxFileSize: config.maxFileSize)
        let ingestSettings = Live(config.ingest)
        let ingestor = Ingestor(
            database: database, files: files, tagging: tagging, learner: learner, worker: "\(host):\(getpid())",
            workerPrefix: "\(host):", settings: ingestSettings, wakeups: wakeups, health: health,
            logger: logger.with(label: "corpusd.ingest"), faults: config.faults)
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
            health: health, logger: logger.with(label: "corpusd.inbox"), fullScanInterval: config.fullScanInterval)
        let reporter = ServiceManagerReporter(notifier: notifier, health: health, database: database,
                                              inbox: layout.inbox, hungAfter: config.hungAfter, logger: logger)
        let near = try NearThresholdChoice.decide(configured: config.configuredNearThreshold, recorded: database.nearJudgement())
        config.ingest.nearDuplicates.policy.threshold = near.threshold
        // A corpus that records no threshold yet was judged with the one it is run with now.
        _ = try database.adoptNearJudgement(threshold: near.threshold, now: Date())
        logger.notice("near-duplicate threshold", metadata: [
            "threshold": "\(NearThresholdChoice.text(near.threshold))", "from": "\(near.source)",
        ])
        if let warning = near.warning { logger.warning("\(warning)", metadata: ["source": "near_threshold"]) }
        let reloads = ReloadRegistry()
        let applied = Live(config)
        let configuredNear = Live(config.configuredNearThreshold)
        reloads.register("config") {
            guard let reread = config.reread else { return nil }
            return try apply(reread(), over: applied, logLevel: logLevel, ingest: ingestSettings,
                             configuredNear: configuredNear)
        }
        reloads.register("taxonomy", tagging.reloadHook)
        let reloader = Reloader(registry: reloads, notifier: notifier, status: { reporter.statusLine() },
                                logger: logger.with(label: "corpusd.reload"))
        let control = try ControlServer(
            path: layout.controlSocket,
            handler: DaemonControl(database: database, files: files, health: health, layout: layout,
                                   tagging: tagging, learner: learner,
                                   rescan: { source.requestRescan() }, wake: wake,
                                   reload: { reloader.reload(trigger: "control") },
                                   logger: logger.with(label: "corpusd.control"),
                                   nearDuplicates: config.ingest.nearDuplicates,
                                   recheck: NearDuplicateRecheck(
                                       database: database, layout: layout, maxFileSize: config.maxFileSize, tagging: tagging,
                                       settings: ingestSettings, logger: logger.with(label: "corpusd.dedup"))),
            logger: logger.with(label: "corpusd.control"))
        // Trapped here, before READY=1 can be sent: systemd may send SIGHUP right after it.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: ingestor),
            .init(service: watcher),
            .init(service: control),
            .init(service: reporter),
            .init(service: ReloadSignalService(reloader: reloader, signals: hangups)),
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
        return CorpusDaemon(config: config, database: database, health: health, group: group, reloads: reloads,
                            reloader: reloader, presence: presence)
    }

    /// Puts a re-read configuration's reloadable settings in force and says what changed; the settings
    /// that only a restart can change are named, not applied. `configuredNear` is the near-duplicate
    /// threshold the settings gave last time (nil: none): the file's value is applied only when it is given
    /// and changed, so a `corpusctl dedup --recheck --threshold` in force survives reloads that do not touch it.
    static func apply(_ new: DaemonConfig, over applied: Live<DaemonConfig>, logLevel: Live<Logger.Level>,
                      ingest: Live<Ingestor.Settings>, configuredNear: Live<Double??>) -> String? {
        var current = applied.value
        var changes: [String] = []
        if new.logLevel != current.logLevel {
            changes.append("log_level \(current.logLevel) → \(new.logLevel)")
            logLevel.value = new.logLevel
        }
        if new.ingest.batchSize != current.ingest.batchSize {
            changes.append("batch_size \(current.ingest.batchSize) → \(new.ingest.batchSize)")
        }
        if new.ingest.folderTags != current.ingest.folderTags {
            changes.append("folder_tags \(current.ingest.folderTags) → \(new.ingest.folderTags)")
        }
        let near = new.configuredNearThreshold
        if near != configuredNear.value {
            configuredNear.value = near
            if let near {
                let text = NearThresholdChoice.text
                changes.append("near_threshold \(text(current.ingest.nearDuplicates.policy.threshold)) → \(text(near))")
                current.ingest.nearDuplicates.policy.threshold = near
            }
        }
        var next = new.ingest
        // Everyone (ingestor, entry files, control) shares the one policy box in force.
        next.nearDuplicates = current.ingest.nearDuplicates
        ingest.value = next
        current.logLevel = new.logLevel
        current.ingest = next
        applied.value = current

        var restart: [String] = []
        if new.layout != current.layout { restart.append("state_dir/inbox/db") }
        if new.pollInterval != current.pollInterval { restart.append("poll") }
        if new.settle != current.settle { restart.append("settle") }
        if new.useInotify != current.useInotify { restart.append("inotify") }
        if new.maxWatches != current.maxWatches { restart.append("max_watches") }
        if new.hungAfter != current.hungAfter { restart.append("hung_after") }
        if new.maxFileSize != current.maxFileSize { restart.append("max_file_size") }
        if new.metricsFile != current.metricsFile || new.metricsInterval != current.metricsInterval {
            restart.append("metrics_file/metrics_interval")
        }
        // The taxonomy file itself is re-read by its own hook; which file it is only changes at start.
        if new.taxonomyPath != current.taxonomyPath { restart.append("taxonomy") }
        if new.modelThreshold != current.modelThreshold { restart.append("model_threshold") }
        if !restart.isEmpty { changes.append("needs a restart to apply: " + restart.joined(separator: ", ")) }
        return changes.isEmpty ? nil : changes.joined(separator: "; ")
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
