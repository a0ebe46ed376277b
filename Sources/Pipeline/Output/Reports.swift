import Foundation

/// What `corpusctl status` reports; its JSON form is a stable contract.
public struct StatusReport: Sendable, Codable, Hashable {
    public struct Daemon: Sendable, Codable, Hashable {
        public var running: Bool
        @NullEncoded public var pid: Int32?
        @NullEncoded public var control: String?
        @NullEncoded public var started: Date?

        public init(running: Bool, pid: Int32?, control: String?, started: Date?) {
            self.running = running
            self.pid = pid
            self.control = control
            self.started = started
        }
    }

    public struct Items: Sendable, Codable, Hashable {
        public var pending: Int
        public var processing: Int
        public var stored: Int
        public var duplicate: Int
        public var failed: Int
        /// Pending items waiting out a back-off after a database or disk error.
        public var retrying: Int
    }

    public var daemon: Daemon
    public var stateDir: String
    public var inbox: String
    public var database: String
    public var items: Items
    public var documents: Int
    public var duplicates: Int
    public var failed: Int
    @NullEncoded public var lastIngest: Date?
    @NullEncoded public var oldestPending: Date?
    /// The running daemon's own figures, when it answered on its control socket.
    @NullEncoded public var live: LiveStatus?

    public init(daemon: Daemon, layout: StateLayout, counts: CorpusCounts) {
        self.daemon = daemon
        self.stateDir = layout.stateDirectory
        self.inbox = layout.inbox
        self.database = layout.database
        self.items = Items(
            pending: counts.count(.pending), processing: counts.count(.processing), stored: counts.count(.stored),
            duplicate: counts.count(.duplicate), failed: counts.count(.failed), retrying: counts.retrying)
        self.documents = counts.documents
        self.duplicates = counts.count(.duplicate)
        self.failed = counts.count(.failed)
        self.lastIngest = counts.lastIngest
        self.oldestPending = counts.oldestPending
    }

    /// The human form: one fact a line, aligned.
    public func render(now: Date = Date(), style: TextStyle = TextStyle(color: false)) -> String {
        let daemonLine: String
        if daemon.running {
            daemonLine = style.good("running") + " (pid \(daemon.pid.map(String.init) ?? "?"))"
                + (daemon.started.map { ", up \(Durations.short(now.timeIntervalSince($0)))" } ?? "")
        } else {
            daemonLine = style.bad("not running")
        }
        var rows: [(String, String)] = [
            ("daemon", daemonLine),
            ("state", stateDir),
            ("inbox", inbox),
            ("documents", documents.formatted()),
            ("items", "\(items.pending) pending, \(items.processing) processing, \(items.stored) stored, "
                + "\(items.duplicate) duplicate, \(items.failed) failed"),
            ("last ingest", lastIngest.map { "\(Durations.short(now.timeIntervalSince($0))) ago" } ?? "never"),
        ]
        if let live {
            var figures = "\(String(format: "%.1f", live.ratePerSecondLastMinute)) docs/s over the last minute, "
                + "inotify \(live.inotify ? "on" : "off (polling)")"
            if live.batchUnderWaySince != nil { figures += ", batch under way" }
            rows.append(("live", figures))
            rows.append(("since start", "\(live.storedSinceStart) stored, \(live.duplicatesSinceStart) duplicate, "
                + "\(live.failedSinceStart) failed"))
            if let error = live.lastError, let at = live.lastErrorAt {
                rows.append(("last error", style.bad("\(Durations.short(now.timeIntervalSince(at))) ago: \(error)")))
            }
            if let near = live.nearDuplicates {
                rows.append(("near-dup", "threshold \(NearThresholdChoice.text(near.threshold))"
                    + (near.warning.map { "; " + style.bad($0) } ?? "")))
            }
        }
        if items.retrying > 0 { rows.append(("retrying", "\(items.retrying) items waiting after a storage error")) }
        if let oldest = oldestPending { rows.append(("oldest pending", "\(Durations.short(now.timeIntervalSince(oldest))) ago")) }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n")
    }
}

/// One document in `corpusctl list --json`; the field names are a stable contract.
public struct DocumentListing: Sendable, Codable, Hashable {
    public var id: Int64
    public var title: String
    @NullEncoded public var source: String?
    @NullEncoded public var published: String?
    @NullEncoded public var byline: String?
    @NullEncoded public var url: String?
    public var tags: [String]
    public var file: String
    public var ingestedAt: Date
    @NullEncoded public var wordCount: Int?
    /// With `list --include-duplicates`: the files recorded as copies of this document (else not written).
    public var duplicates: [DocumentCopy]?

    public init(_ summary: DocumentSummary) {
        id = summary.id
        title = summary.title
        source = summary.source
        published = summary.published
        byline = summary.byline
        url = summary.url
        tags = summary.tags
        file = summary.file
        ingestedAt = summary.ingestedAt
        wordCount = summary.wordCount
    }

    /// The listing as `JSONEncoder.corpus` with `.prettyPrinted` writes it, its lines `indent` spaces in; without its
    /// duplicates (`JSONArrayWriter` has the encoder write those).
    func json(indent: Int) -> [UInt8] {
        var object = JSONLine(capacity: 512, indent: indent)
        object.member("byline", byline)
        object.member("file", file)
        object.member("id", id)
        object.member("ingested_at", ingestedAt)
        object.member("published", published)
        object.member("source", source)
        object.member("tags", tags)
        object.member("title", title)
        object.member("url", url)
        object.member("word_count", wordCount.map(Int64.init))
        return object.finishedBytes()
    }

    /// The human form of a listing: an aligned table that fits `width` columns.
    public static func table(_ listings: [DocumentListing], width: Int = 100) -> String {
        table(listings, columns: ListColumn.defaults, width: width)
    }
}

enum Durations {
    /// "3s", "5m", "2h 10m", "4d 3h".
    static func short(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h \(s % 3600 / 60)m" }
        return "\(s / 86400)d \(s % 86400 / 3600)h"
    }
}
