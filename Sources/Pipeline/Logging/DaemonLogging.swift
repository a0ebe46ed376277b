#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// Where corpusd's log lines go.
public enum LogTarget: String, Sendable, CaseIterable {
    /// The journal when systemd started the daemon, else stderr.
    case auto
    case journal
    case stderr

    /// `auto` made concrete: the journal when stderr is systemd's journal stream (`JOURNAL_STREAM`
    /// names stderr's device and inode) or when the process runs as a systemd unit (`INVOCATION_ID`)
    /// and the journal's socket is there; stderr otherwise.
    public func resolved(environment: [String: String] = ProcessInfo.processInfo.environment,
                         journalSocket: String = "/run/systemd/journal/socket") -> LogTarget {
        guard self == .auto else { return self }
        if let stream = environment["JOURNAL_STREAM"], Self.isStandardError(stream) { return .journal }
        if environment["INVOCATION_ID"] != nil, access(journalSocket, W_OK) == 0 { return .journal }
        return .stderr
    }

    /// `JOURNAL_STREAM` is "device:inode" of the stream systemd connected; it names stderr only if
    /// stderr is still that file (a child whose stderr was redirected inherits the variable).
    static func isStandardError(_ stream: String) -> Bool {
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}

/// A handler whose level, unless set on the logger itself, is the daemon-wide `level`, which a reload
/// changes for every logger at once.
public struct SharedLevelLogHandler<Inner: LogHandler>: LogHandler {
    var inner: Inner
    let level: Live<Logger.Level>
    private var ownLevel: Logger.Level?

    public init(_ inner: Inner, level: Live<Logger.Level>) {
        self.inner = inner
        self.level = level
    }

    public var logLevel: Logger.Level {
        get { ownLevel ?? level.value }
        set { ownLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) { inner.log(event: event) }
}

public enum DaemonLogging {
    /// The handler factory `corpusd` bootstraps swift-log with: the journal or stderr (with levels and
    /// times), at the shared `level`. The inner handlers pass everything; the shared level filters.
    public static func makeHandler(target: LogTarget, level: Live<Logger.Level>) -> @Sendable (String) -> any LogHandler {
        switch target.resolved() {
        case .journal:
            return { _ in
                var journal = JournalLogHandler(identifier: "corpusd")
                journal.logLevel = .trace
                return SharedLevelLogHandler(journal, level: level)
            }
        case .auto, .stderr:
            return { label in
                var stream = StreamLogHandler.standardError(label: label)
                stream.logLevel = .trace
                return SharedLevelLogHandler(stream, level: level)
            }
        }
    }
}
