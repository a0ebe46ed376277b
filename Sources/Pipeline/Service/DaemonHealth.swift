import Foundation
import Synchronization

/// Live figures of the running daemon, shared by its services: what the ingest loop is doing, what it
/// has done since start, the last error. Read by the service-manager reporter and the control socket.
public final class DaemonHealth: Sendable {
    public struct Snapshot: Sendable, Codable, Hashable {
        public var started: Date
        public var stored: Int = 0
        public var duplicates: Int = 0
        public var failed: Int = 0
        public var batches: Int = 0
        /// When the batch under way began; nil while the loop waits for work.
        public var batchStartedAt: Date?
        public var lastProgress: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
        /// Completion times of the last minute's items, for the ingest rate.
        var recent: [Date] = []
        public var inotifyActive: Bool = false
        public var pendingAtLastScan: Int = 0

        public var ratePerSecond: Double {
            guard let first = recent.first, let last = recent.last, recent.count > 1 else { return 0 }
            return Double(recent.count) / max(1, last.timeIntervalSince(first))
        }
    }

    private let state: Mutex<Snapshot>
    /// The same events as counters and histograms, for Prometheus.
    public let metrics: DaemonMetrics

    public init(now: Date) {
        state = Mutex(Snapshot(started: now))
        metrics = DaemonMetrics(started: now)
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    public func batchStarted(at now: Date) {
        state.withLock { $0.batchStartedAt = now }
    }

    /// New files registered in the queue.
    public func queued(_ count: Int) {
        metrics.queued(count)
    }

    /// A batch recorded; the ingest latency of each item is measured from when its file was first seen.
    /// `entries`: the outcomes of its containers' entries already told to `entriesRecorded`.
    public func batchFinished(_ recorded: [RecordedItem], entries: Int = 0, at now: Date) {
        metrics.ingested(latencies: recorded.compactMap { $0.firstSeen.map { now.timeIntervalSince($0) } })
        batchFinished(outcomes: recorded.map(\.outcome), entries: entries, at: now)
    }

    public func batchFinished(outcomes: [ItemOutcome], entries: Int = 0, at now: Date) {
        let started = state.withLock { $0.batchStartedAt }
        metrics.batchFinished(outcomes: outcomes, count: outcomes.count + entries, duration: started.map { now.timeIntervalSince($0) })
        state.withLock { s in
            s.batchStartedAt = nil
            s.batches += 1
            Self.count(outcomes, into: &s, at: now)
        }
    }

    /// A chunk of a container's entries recorded while its batch goes on: counted now (a batch of large containers
    /// takes minutes), and progress, which keeps the batch healthy (`isHealthy`).
    public func entriesRecorded(_ outcomes: [ItemOutcome], at now: Date) {
        metrics.counted(outcomes)
        state.withLock { s in Self.count(outcomes, into: &s, at: now) }
    }

    private static func count(_ outcomes: [ItemOutcome], into s: inout Snapshot, at now: Date) {
        s.lastProgress = now
        for outcome in outcomes {
            switch outcome {
            case .stored: s.stored += 1
            case .duplicate: s.duplicates += 1
            case .failed: s.failed += 1
            }
            s.recent.append(now)
        }
        let cutoff = now.addingTimeInterval(-60)
        if let firstKept = s.recent.firstIndex(where: { $0 >= cutoff }) {
            s.recent.removeFirst(firstKept)
        } else {
            s.recent.removeAll()
        }
    }

    public func batchAbandoned() {
        state.withLock { $0.batchStartedAt = nil }
    }

    public func error(_ message: String, at now: Date) {
        state.withLock { s in
            s.lastError = message
            s.lastErrorAt = now
        }
    }

    public func setInotify(_ active: Bool) {
        state.withLock { $0.inotifyActive = active }
    }

    /// Healthy unless a batch has been under way for longer than `hungAfter` without recording anything (a chunk of
    /// a container's entries counts: a large dump is one long batch that records all along).
    public func isHealthy(now: Date, hungAfter: TimeInterval) -> Bool {
        state.withLock { s in
            guard let started = s.batchStartedAt else { return true }
            let progressed = max(started, s.lastProgress ?? started)
            return now.timeIntervalSince(progressed) < hungAfter
        }
    }
}
