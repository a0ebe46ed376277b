#if canImport(Glibc)
import Glibc
#endif
import CoreMetrics
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// The daemon's counters and histograms, recorded through swift-metrics into a Prometheus registry of its
/// own (no global bootstrap: the factory is handed to each metric). Read as Prometheus text by the
/// `metrics` control request and by `MetricsFileWriter`.
public final class DaemonMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let filesQueued: CoreMetrics.Counter
    private let outcomes: [ItemState: CoreMetrics.Counter]
    private let duplicates: [DuplicateKind: CoreMetrics.Counter]
    private let batchSize: CoreMetrics.Recorder
    private let batchDuration: CoreMetrics.Timer
    private let ingestLatency: CoreMetrics.Timer
    private let queueDepth: [ItemState: CoreMetrics.Gauge]
    private let documents: CoreMetrics.Gauge
    private let databaseBytes: CoreMetrics.Gauge
    private let startTime: CoreMetrics.Gauge
    private let fullScans: CoreMetrics.Counter
    private let lightScans: CoreMetrics.Counter

    public init(started: Date) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets["corpusd_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        let seconds: [Duration] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
            .seconds(60), .seconds(300),
        ]
        factory.durationHistogramBuckets["corpusd_batch_duration_seconds"] = seconds
        factory.durationHistogramBuckets["corpusd_ingest_latency_seconds"] = seconds
        filesQueued = CoreMetrics.Counter(label: "corpusd_files_queued_total", factory: factory)
        outcomes = Dictionary(uniqueKeysWithValues: [ItemState.stored, .duplicate, .failed].map {
            ($0, CoreMetrics.Counter(label: "corpusd_outcomes_total", dimensions: [("outcome", $0.rawValue)], factory: factory))
        })
        duplicates = Dictionary(uniqueKeysWithValues: [DuplicateKind.exactBytes, .sameText, .near].map {
            ($0, CoreMetrics.Counter(label: "corpusd_duplicates_total", dimensions: [("kind", $0.rawValue)], factory: factory))
        })
        batchSize = CoreMetrics.Recorder(label: "corpusd_batch_size", factory: factory)
        batchDuration = CoreMetrics.Timer(label: "corpusd_batch_duration_seconds", factory: factory)
        ingestLatency = CoreMetrics.Timer(label: "corpusd_ingest_latency_seconds", factory: factory)
        queueDepth = Dictionary(uniqueKeysWithValues: ItemState.allCases.map {
            ($0, CoreMetrics.Gauge(label: "corpusd_queue_items", dimensions: [("state", $0.rawValue)], factory: factory))
        })
        documents = CoreMetrics.Gauge(label: "corpusd_documents", factory: factory)
        databaseBytes = CoreMetrics.Gauge(label: "corpusd_database_bytes", factory: factory)
        startTime = CoreMetrics.Gauge(label: "corpusd_start_time_seconds", factory: factory)
        startTime.record(started.timeIntervalSince1970)
        fullScans = CoreMetrics.Counter(label: "corpusd_inbox_scans_total", dimensions: [("kind", "full")], factory: factory)
        lightScans = CoreMetrics.Counter(label: "corpusd_inbox_scans_total", dimensions: [("kind", "settling")], factory: factory)
    }

    /// One look at the inbox: a walk of all of it, or (while inotify reports every arrival) of the files still settling.
    public func scanned(full: Bool) {
        (full ? fullScans : lightScans).increment()
    }

    /// New files registered in the queue.
    public func queued(_ count: Int) {
        if count > 0 { filesQueued.increment(by: count) }
    }

    /// A batch recorded: its outcomes, its size, and how long it took from claim to record.
    public func batchFinished(outcomes recorded: [ItemOutcome], duration: TimeInterval?) {
        for outcome in recorded {
            outcomes[outcome.state]?.increment()
            if case .duplicate(_, let kind, _) = outcome { duplicates[kind]?.increment() }
        }
        batchSize.record(recorded.count)
        if let duration { batchDuration.recordNanoseconds(Int64(max(0, duration) * 1e9)) }
    }

    /// Seconds from first sight of each file to its recorded outcome.
    public func ingested(latencies: [TimeInterval]) {
        for latency in latencies { ingestLatency.recordNanoseconds(Int64(max(0, latency) * 1e9)) }
    }

    /// The Prometheus text exposition, with the gauges read fresh from `database` and the file sizes.
    public func exposition(database: CorpusDatabase, databasePath: String) -> String {
        if let counts = try? database.counts() {
            for (state, gauge) in queueDepth { gauge.record(counts.count(state)) }
            documents.record(counts.documents)
        }
        let size = [databasePath, databasePath + "-wal"].reduce(Int64(0)) { total, path in
            var info = stat()
            return total + (stat(path, &info) == 0 ? Int64(info.st_size) : 0)
        }
        databaseBytes.record(size)
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
