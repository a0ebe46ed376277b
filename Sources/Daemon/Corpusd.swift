import ArgumentParser
import Foundation
import Logging
import Pipeline

@main
struct Corpusd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpusd",
        abstract: "Turns news files dropped into an inbox folder into a deduplicated, tagged, searchable corpus.",
        discussion: """
            State lives in one folder: --state-dir, else $CORPUSD_STATE_DIR, else $STATE_DIRECTORY (systemd), \
            else /var/lib/corpusd for root, else ${XDG_STATE_HOME:-~/.local/state}/corpusd.

            Settings come from the command line, then the config file (YAML, the same names as the flags \
            with '_' for '-': state_dir, poll, batch_size, log_level and so on), then the defaults. SIGHUP \
            (systemctl reload corpusd) or 'corpusctl reload' re-reads the config file and the taxonomy: \
            log_level, batch_size, folder_tags and near_threshold apply at once, the others at the next start.

            Under systemd, corpusd logs to the journal with structured fields (CORPUSD_OUTCOME, \
            CORPUSD_FILE, CORPUSD_ITEM and more), reports READY/STATUS/WATCHDOG through sd_notify, and puts \
            its control socket in $RUNTIME_DIRECTORY.
            """,
        version: CorpusdVersion.string)

    static let defaultConfigFile = "/etc/corpusd/corpusd.yaml"

    @Option(help: ArgumentHelp("The config file (YAML).", discussion: "Default: \(defaultConfigFile) when it exists."))
    var config: String?

    @Option(help: "The state folder (inbox/, archive/, failed/, corpus.sqlite).")
    var stateDir: String?

    @Option(help: "The inbox folder, if not <state-dir>/inbox.")
    var inbox: String?

    @Option(help: "The database file, if not <state-dir>/corpus.sqlite.")
    var db: String?

    @Option(help: "Seconds between polls of the inbox (default 2): a full scan without inotify; with it, a look at files still settling (the full scan then runs every 60 s, at start and on overflow).")
    var poll: Double?

    @Option(help: "Seconds a file found by the scan must stay unchanged before it is queued (default 1).")
    var settle: Double?

    @Flag(help: "Do not use inotify; rely on the poll alone.")
    var noInotify = false

    @Option(help: "The most inbox folders to watch with inotify; folders beyond it are found by the poll alone.")
    var maxWatches: Int?

    @Flag(help: "Tag files by the inbox sub-folder they were dropped in (inbox/china/x.txt → china).")
    var folderTags = false

    @Option(help: "Largest file accepted, in bytes (default 16 MiB).")
    var maxFileSize: Int64?

    @Option(help: "Items taken from the queue per batch (default 64).")
    var batchSize: Int?

    @Option(help: "Write Prometheus metrics to this file every few seconds (atomically; for node_exporter's textfile collector).")
    var metricsFile: String?

    @Option(help: "Seconds between writes of --metrics-file (default 5).")
    var metricsInterval: Double?

    @Option(help: "The taxonomy file (default: $CONFIGURATION_DIRECTORY/taxonomy.yaml, /etc/corpusd/taxonomy.yaml or <state-dir>/taxonomy.yaml if one exists, else the built-in taxonomy).")
    var taxonomy: String?

    @Option(help: "The learned model's tags are given at this probability or above (0–1, default \(TagModel.defaultThreshold)).")
    var modelThreshold: Double?

    @Option(help: "Seconds a batch may go without recording anything before corpusd counts itself hung and stops the watchdog pings, so that systemd restarts it (default 60).")
    var hungAfter: Double?

    @Flag(help: "Print the built-in taxonomy file (a commented starting point for your own) and exit.")
    var printDefaultTaxonomy = false

    @Option(help: ArgumentHelp(
        "Jaccard similarity (0–1] of shingle sets at or above which a body is a near-duplicate of a stored one; 'off' disables near-duplicate detection (default: the threshold the corpus was last judged with, which 'corpusctl dedup --recheck --threshold' sets, else \(NearDuplicatePolicy.defaultThreshold)).",
        valueName: "similarity"))
    var nearThreshold: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: Logger.Level?

    @Option(help: "Where logs go: auto (the journal under systemd, else stderr), journal, stderr.")
    var logTarget: LogTarget = .auto

    /// The settings given on the command line; nil where a flag was not given, so the file's value stands.
    var flagSettings: CorpusdSettings {
        CorpusdSettings(stateDir: stateDir, inbox: inbox, db: db, poll: poll, settle: settle,
                        inotify: noInotify ? false : nil, folderTags: folderTags ? true : nil,
                        maxFileSize: maxFileSize, batchSize: batchSize, logLevel: logLevel,
                        metricsFile: metricsFile, metricsInterval: metricsInterval, taxonomy: taxonomy,
                        modelThreshold: modelThreshold, maxWatches: maxWatches, nearThreshold: nearThreshold,
                        hungAfter: hungAfter)
    }

    var configFile: String? {
        config ?? (FileManager.default.fileExists(atPath: Self.defaultConfigFile) ? Self.defaultConfigFile : nil)
    }

    /// The config file's settings (if there is one) with the command line's over them.
    static func settings(file: String?, flags: CorpusdSettings) throws -> CorpusdSettings {
        let fromFile = try file.map { path throws -> CorpusdSettings in try CorpusdSettings.load(path: path) }
        return (fromFile ?? CorpusdSettings()).overridden(by: flags)
    }

    func validate() throws {
        if let modelThreshold, !(0...1).contains(modelThreshold) {
            throw ValidationError("--model-threshold must be between 0 and 1")
        }
        if let nearThreshold, CorpusdSettings.nearThresholdValue(nearThreshold) == nil {
            throw ValidationError("--near-threshold takes a number in (0, 1] or 'off'")
        }
        if let hungAfter, !(hungAfter > 0) {
            throw ValidationError("--hung-after must be a number of seconds above 0")
        }
    }

    func run() async throws {
        if printDefaultTaxonomy {
            print(Taxonomy.defaultFileText, terminator: "")
            return
        }
        MallocArenas.limit()
        let level = Live<Logger.Level>(.info)
        LoggingSystem.bootstrap(DaemonLogging.makeHandler(target: logTarget, level: level))
        let logger = Logger(label: "corpusd")

        let (file, flags) = (configFile, flagSettings)
        var config: DaemonConfig
        do {
            config = try Self.settings(file: file, flags: flags).daemonConfig()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        level.value = config.logLevel
        config.faults = FaultInjection.fromEnvironment(ProcessInfo.processInfo.environment)
        config.reread = { try Self.settings(file: file, flags: flags).daemonConfig() }

        let daemon: CorpusDaemon
        do {
            daemon = try await CorpusDaemon.build(config: config, logger: logger, logLevel: level)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        if let file { logger.info("settings read", metadata: ["config": "\(file)"]) }
        try await daemon.run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogTarget: ExpressibleByArgument {}
