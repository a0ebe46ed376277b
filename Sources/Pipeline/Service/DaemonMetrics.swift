#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// The daemon's counters, gauges and histograms, in a Prometheus registry of its own (nothing global),
/// each with its `# HELP` text. Read as Prometheus text by the `metrics` control request and by
/// `MetricsFileWriter`.
public final class DaemonMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let filesQueued: Prometheus.Counter
    private let outcomes: [ItemState: Prometheus.Counter]
    private let duplicates: [DuplicateKind: Prometheus.Counter]
    private let batchSize: ValueHistogram
    private let batchDuration: DurationHistogram
    private let ingestLatency: DurationHistogram
    private let queueDepth: [ItemState: Gauge]
    private let documents: Gauge
    private let databaseBytes: Gauge
    private let startTime: Gauge
    private let fullScans: Prometheus.Counter
    private let lightScans: Prometheus.Counter

    /// Every metric's name and help text: one place, so that each is described once.
    static let help: [String: String] = [
        "corpusd_files_queued_total": "Files registered in the queue (each file found in the inbox counts once).",
        "corpusd_outcomes_total": "Items brought to their outcome, by outcome (stored, duplicate, failed).",
        "corpusd_duplicates_total": "Duplicates recorded, by kind (exact-bytes, same-text, near).",
        "corpusd_batch_size": "Items recorded per ingest batch.",
        "corpusd_batch_duration_seconds": "Seconds from claiming a batch to recording its outcomes.",
        "corpusd_ingest_latency_seconds": "Seconds from first sight of a file in the inbox to its recorded outcome.",
        "corpusd_queue_items": "Items in the queue by state, read from the database.",
        "corpusd_documents": "Documents stored in the corpus.",
        "corpusd_database_bytes": "Size of the database file and its write-ahead log, in bytes.",
        "corpusd_start_time_seconds": "When corpusd started, in seconds since the Unix epoch.",
        "corpusd_inbox_scans_total":
            "Looks at the inbox, by kind: full (the whole inbox walked) or settling (only files still being written).",
    ]

    private static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? "")
    }

    public init(started: Date) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String, _ labels: [(String, String)] = []) -> Prometheus.Counter {
            labels.isEmpty ? registry.makeCounter(descriptor: Self.descriptor(name))
                : registry.makeCounter(descriptor: Self.descriptor(name), labels: labels)
        }
        func gauge(_ name: String, _ labels: [(String, String)] = []) -> Gauge {
            labels.isEmpty ? registry.makeGauge(descriptor: Self.descriptor(name))
                : registry.makeGauge(descriptor: Self.descriptor(name), labels: labels)
        }
        let seconds: [Duration] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
            .seconds(60), .seconds(300),
        ]
        filesQueued = counter("corpusd_files_queued_total")
        outcomes = Dictionary(uniqueKeysWithValues: [ItemState.stored, .duplicate, .failed].map {
            ($0, counter("corpusd_outcomes_total", [("outcome", $0.rawValue)]))
        })
        duplicates = Dictionary(uniqueKeysWithValues: [DuplicateKind.exactBytes, .sameText, .near].map {
            ($0, counter("corpusd_duplicates_total", [("kind", $0.rawValue)]))
        })
        batchSize = registry.makeValueHistogram(descriptor: Self.descriptor("corpusd_batch_size"),
                                                buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
        batchDuration = registry.makeDurationHistogram(descriptor: Self.descriptor("corpusd_batch_duration_seconds"), buckets: seconds)
        ingestLatency = registry.makeDurationHistogram(descriptor: Self.descriptor("corpusd_ingest_latency_seconds"), buckets: seconds)
        queueDepth = Dictionary(uniqueKeysWithValues: ItemState.allCases.map {
            ($0, gauge("corpusd_queue_items", [("state", $0.rawValue)]))
        })
        documents = gauge("corpusd_documents")
        databaseBytes = gauge("corpusd_database_bytes")
        startTime = gauge("corpusd_start_time_seconds")
        startTime.set(started.timeIntervalSince1970)
        fullScans = counter("corpusd_inbox_scans_total", [("kind", "full")])
        lightScans = counter("corpusd_inbox_scans_total", [("kind", "settling")])
    }

    /// One look at the inbox: a walk of all of it, or (while inotify reports every arrival) of the files still settling.
    public func scanned(full: Bool) {
        (full ? fullScans : lightScans).increment()
    }

    /// New files registered in the queue.
    public func queued(_ count: Int) {
        if count > 0 { filesQueued.increment(by: Int64(count)) }
    }

    /// A batch done: its items' outcomes (`count` items in all: those of the entries of its containers, counted as
    /// they were recorded, included) and how long it took.
    public func batchFinished(outcomes recorded: [ItemOutcome], count: Int, duration: TimeInterval?) {
        counted(recorded)
        batchSize.record(Double(count))
        if let duration { batchDuration.record(.nanoseconds(Int64(max(0, duration) * 1e9))) }
    }

    /// Outcomes counted by state and duplicate kind.
    public func counted(_ recorded: [ItemOutcome]) {
        for outcome in recorded {
            outcomes[outcome.state]?.increment()
            if case .duplicate(_, let kind, _) = outcome { duplicates[kind]?.increment() }
        }
    }

    /// Seconds from first sight of each file to its recorded outcome.
    public func ingested(latencies: [TimeInterval]) {
        for latency in latencies { ingestLatency.record(.nanoseconds(Int64(max(0, latency) * 1e9))) }
    }

    /// The Prometheus text exposition, with the gauges read fresh from `database` and the file sizes.
    public func exposition(database: CorpusDatabase, databasePath: String) -> String {
        if let counts = try? database.counts() {
            for (state, gauge) in queueDepth { gauge.set(Double(counts.count(state))) }
            documents.set(Double(counts.documents))
        }
        let size = [databasePath, databasePath + "-wal"].reduce(Int64(0)) { total, path in
            var info = stat()
            return total + (stat(path, &info) == 0 ? Int64(info.st_size) : 0)
        }
        databaseBytes.set(Double(size))
        return registry.emitToString()
    }
}

/// Writes the metrics to a file every few seconds, atomically (a temporary file renamed over it), for
/// node_exporter's textfile collector; once more at shutdown.
public struct MetricsFileWriter: Service, CustomStringConvertible {
    let path: String
    let interval: Duration
    let render: @Sendable () -> String
    let logger: Logger

    public init(path: String, interval: Duration, render: @escaping @Sendable () -> String, logger: Logger) {
        self.path = path
        self.interval = interval
        self.render = render
        self.logger = logger
    }

    public var description: String { "MetricsFileWriter(\(path))" }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            write()
            do {
                try await gracefulSleep(for: interval)
            } catch {
                break
            }
        }
        write()
    }

    func write() {
        do {
            try Self.writeAtomically(Data(render().utf8), to: path)
        } catch {
            logger.warning("cannot write the metrics file", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// Writes `data` beside `path` under a hidden name, syncs it, and renames it over `path`, so that a
    /// reader sees the old file or the new one, never a part.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var remaining = data[...]
        while !remaining.isEmpty {
            let n = remaining.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let code = errno
                close(fd)
                unlink(temporary.path)
                throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
            }
            remaining = remaining.dropFirst(n)
        }
        fsync(fd)
        close(fd)
        guard rename(temporary.path, path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }
}
