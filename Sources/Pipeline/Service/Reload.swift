import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The daemon's reload seam: every part that re-reads a file on SIGHUP (`systemctl reload corpusd`)
/// or on `corpusctl reload` registers a hook here, under a name that appears in the log and in the
/// control reply. `CorpusDaemon.build` registers "config"; whatever else reads a human-edited file
/// (the taxonomy) registers its own hook there.
///
/// A hook re-reads its source and swaps the new value in only once it is whole; on failure it throws
/// and keeps what it had, so a typo in a file never takes down the running daemon.
public final class ReloadRegistry: Sendable {
    /// Re-reads one source; returns what changed, in a few words, or nil when nothing did.
    public typealias Hook = @Sendable () throws -> String?

    private let hooks = Mutex<[(name: String, hook: Hook)]>([])

    public init() {}

    /// Adds a hook; hooks run in the order they were registered.
    public func register(_ name: String, _ hook: @escaping Hook) {
        hooks.withLock { $0.append((name, hook)) }
    }

    public var names: [String] { hooks.withLock { $0.map(\.name) } }

    /// Runs every hook, each whatever the others did.
    public func reloadAll() -> ReloadReport {
        let current = hooks.withLock { $0 }
        var outcomes: [ReloadReport.Entry] = []
        for (name, hook) in current {
            do {
                outcomes.append(.init(name: name, outcome: .reloaded(changes: try hook())))
            } catch {
                outcomes.append(.init(name: name, outcome: .failed(reason: "\(error)")))
            }
        }
        return ReloadReport(entries: outcomes)
    }
}

/// What one reload did, hook by hook.
public struct ReloadReport: Sendable, Hashable, Codable {
    public enum Outcome: Sendable, Hashable {
        /// Re-read; `changes` says what differs from before (nil: nothing).
        case reloaded(changes: String?)
        /// Kept the previous settings.
        case failed(reason: String)
    }

    public struct Entry: Sendable, Hashable, Codable {
        public var name: String
        public var outcome: Outcome
    }

    public var entries: [Entry]

    public var failures: [Entry] { entries.filter { if case .failed = $0.outcome { return true } else { return false } } }
}

extension ReloadReport.Outcome: Codable {
    private enum Keys: String, CodingKey { case status, changes, reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        if try c.decode(String.self, forKey: .status) == "failed" {
            self = .failed(reason: try c.decode(String.self, forKey: .reason))
        } else {
            self = .reloaded(changes: try c.decodeIfPresent(String.self, forKey: .changes))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .reloaded(let changes):
            try c.encode("reloaded", forKey: .status)
            try c.encodeIfPresent(changes, forKey: .changes)
        case .failed(let reason):
            try c.encode("failed", forKey: .status)
            try c.encode(reason, forKey: .reason)
        }
    }
}

/// Runs a reload the way systemd expects it: `RELOADING=1` with `MONOTONIC_USEC`, every hook, then
/// `READY=1`. One reload at a time: a SIGHUP during a `corpusctl reload` waits for it.
public final class Reloader: Sendable {
    let registry: ReloadRegistry
    let notifier: ServiceManagerNotifier
    let status: @Sendable () -> String
    let logger: Logger
    private let running = Mutex(())

    public init(registry: ReloadRegistry, notifier: ServiceManagerNotifier, status: @escaping @Sendable () -> String,
                logger: Logger) {
        self.registry = registry
        self.notifier = notifier
        self.status = status
        self.logger = logger
    }

    @discardableResult
    public func reload(trigger: String) -> ReloadReport {
        running.withLock { _ in
            notifier.reloading()
            let report = registry.reloadAll()
            for entry in report.entries {
                switch entry.outcome {
                case .reloaded(let changes):
                    logger.notice("reloaded", metadata: [
                        "source": "\(entry.name)", "trigger": "\(trigger)", "changes": "\(changes ?? "none")",
                    ])
                case .failed(let reason):
                    logger.error("reload failed; keeping the previous settings", metadata: [
                        "source": "\(entry.name)", "trigger": "\(trigger)", "reason": "\(reason)",
                    ])
                }
            }
            notifier.ready(status: status())
            return report
        }
    }
}

/// Turns SIGHUP into a reload.
public struct ReloadSignalService: Service {
    let reloader: Reloader
    let signals: UnixSignalsSequence

    /// `signals` traps SIGHUP from its creation on (its default action would end the process).
    public init(reloader: Reloader, signals: UnixSignalsSequence) {
        self.reloader = reloader
        self.signals = signals
    }

    public func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            reloader.reload(trigger: "SIGHUP")
        }
    }
}

extension ReloadSignalService: CustomStringConvertible {
    public var description: String { "ReloadSignalService" }
}
