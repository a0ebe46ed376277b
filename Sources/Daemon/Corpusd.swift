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
            """,
        version: CorpusdVersion.string)

    @Option(help: "The state folder (inbox/, archive/, failed/, corpus.sqlite).")
    var stateDir: String?

    @Option(help: "The inbox folder, if not <state-dir>/inbox.")
    var inbox: String?

    @Option(help: "The database file, if not <state-dir>/corpus.sqlite.")
    var db: String?

    @Option(help: "Seconds between full scans of the inbox.")
    var poll: Double = 2

    @Option(help: "Seconds a file found by the scan must stay unchanged before it is queued.")
    var settle: Double = 1

    @Flag(help: "Do not use inotify; rely on the poll alone.")
    var noInotify = false

    @Option(help: "The most inbox folders to watch with inotify; folders beyond it are found by the poll alone.")
    var maxWatches: Int?

    @Flag(help: "Tag files by the inbox sub-folder they were dropped in (inbox/china/x.txt → china).")
    var folderTags = false

    @Option(help: "Largest file accepted, in bytes.")
    var maxFileSize: Int64 = 16 << 20

    @Option(help: "Items taken from the queue per batch.")
    var batchSize: Int = 64

    @Option(help: "Write Prometheus metrics to this file every few seconds (atomically; for node_exporter's textfile collector).")
    var metricsFile: String?

    @Option(help: "Seconds between writes of --metrics-file.")
    var metricsInterval: Double = 5

    @Option(help: "The taxonomy file (default: $CONFIGURATION_DIRECTORY/taxonomy.yaml, /etc/corpusd/taxonomy.yaml or <state-dir>/taxonomy.yaml if one exists, else the built-in taxonomy).")
    var taxonomy: String?

    @Option(help: "The learned model's tags are given at this probability or above (0–1).")
    var modelThreshold: Double = TagModel.defaultThreshold

    @Flag(help: "Print the built-in taxonomy file (a commented starting point for your own) and exit.")
    var printDefaultTaxonomy = false

    @Option(help: ArgumentHelp(
        "Jaccard similarity (0–1] of shingle sets at or above which a body is a near-duplicate of a stored one; 'off' disables near-duplicate detection.",
        valueName: "similarity"))
    var nearThreshold: String = "\(NearDuplicatePolicy.defaultThreshold)"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...1).contains(modelThreshold) else { throw ValidationError("--model-threshold must be between 0 and 1") }
        if nearThreshold != "off" {
            guard let value = Double(nearThreshold), value > 0, value <= 1 else {
                throw ValidationError("--near-threshold takes a number in (0, 1] or 'off'")
            }
        }
    }

    func run() async throws {
        if printDefaultTaxonomy {
            print(Taxonomy.defaultFileText, terminator: "")
            return
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "corpusd")

        var config = DaemonConfig(layout: StateLayout.resolve(stateDirectory: stateDir, inbox: inbox, database: db))
        config.pollInterval = poll
        config.settle = settle
        config.useInotify = !noInotify
        if let maxWatches { config.maxWatches = maxWatches }
        config.maxFileSize = maxFileSize
        config.ingest.batchSize = batchSize
        config.ingest.folderTags = folderTags
        config.metricsFile = metricsFile
        config.metricsInterval = max(0.1, metricsInterval)
        config.taxonomyPath = taxonomy
        config.modelThreshold = modelThreshold
        config.ingest.nearDuplicates = NearDuplicateSettings(NearDuplicatePolicy(threshold: Double(nearThreshold)))

        let daemon: CorpusDaemon
        do {
            daemon = try CorpusDaemon.build(config: config, logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        try await daemon.run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
