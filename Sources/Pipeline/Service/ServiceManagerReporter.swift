import Foundation
import Logging
import ServiceLifecycle

/// Keeps the service manager informed: `STATUS=` every few seconds, `WATCHDOG=1` at half the watchdog
/// interval but only while the ingest loop is healthy (a batch stuck for longer than `hungAfter` stops
/// the pings, and systemd restarts the daemon), `STOPPING=1` when shutdown begins.
public struct ServiceManagerReporter: Service {
    let notifier: ServiceManagerNotifier
    let health: DaemonHealth
    let database: CorpusDatabase
    let inbox: String
    let hungAfter: TimeInterval
    let logger: Logger

    public init(notifier: ServiceManagerNotifier, health: DaemonHealth, database: CorpusDatabase, inbox: String,
                hungAfter: TimeInterval = 60, logger: Logger) {
        self.notifier = notifier
        self.health = health
        self.database = database
        self.inbox = inbox
        self.hungAfter = hungAfter
        self.logger = logger
    }

    public func run() async throws {
        let watchdog = notifier.watchdogInterval()
        let interval = min(watchdog ?? .seconds(5), .seconds(5))
        var lastStatus = ContinuousClock.now - .seconds(60)
        while !Task.isShuttingDownGracefully {
            let now = Date()
            if watchdog != nil, health.isHealthy(now: now, hungAfter: hungAfter) { notifier.watchdog() }
            if ContinuousClock.now - lastStatus >= .seconds(5) {
                notifier.status(statusLine())
                lastStatus = .now
            }
            do {
                try await gracefulSleep(for: interval)
            } catch {
                break
            }
        }
        notifier.stopping()
    }

    /// "watching /var/lib/corpusd/inbox — 3 pending, 12,345 documents, 40 docs/s"
    func statusLine() -> String {
        let snapshot = health.snapshot
        guard let counts = try? database.counts() else { return "watching \(inbox)" }
        var line = "watching \(inbox) — \(counts.count(.pending)) pending, \(counts.documents.formatted()) documents"
        if snapshot.ratePerSecond > 0 { line += ", \(Int(snapshot.ratePerSecond.rounded())) docs/s" }
        if let error = snapshot.lastError, let at = snapshot.lastErrorAt, Date().timeIntervalSince(at) < 300 {
            line += " — last error: \(error)"
        }
        return line
    }
}

/// Sleeps, returning early (by throwing) when a graceful shutdown begins.
func gracefulSleep(for duration: Duration) async throws {
    try await cancelWhenGracefulShutdown {
        try await Task.sleep(for: duration)
    }
}

extension ServiceManagerReporter: CustomStringConvertible {
    public var description: String { "ServiceManagerReporter" }
}
