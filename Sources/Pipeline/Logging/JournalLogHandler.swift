#if canImport(Glibc)
import Glibc
#endif
import CSystemd
import Logging

/// Writes each log event to the systemd journal as one structured entry, through `sd_journal_sendv`:
/// `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`/`CODE_LINE`/`CODE_FUNC`, and every metadata
/// key as a field of its own, `CORPUSD_` + the key in upper case (`outcome` → `CORPUSD_OUTCOME`), so that
/// `journalctl -u corpusd CORPUSD_OUTCOME=failed` selects entries. When the journal refuses an entry
/// the line goes to stderr instead, which systemd also collects.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let identifier: String

    public init(identifier: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.identifier = identifier
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = Self.fields(of: event, identifier: identifier, metadata: effectiveMetadata(event))
        if Self.send(fields) < 0 {
            let line = "<\(Self.priority(event.level))>\(event.message)\n"
            _ = line.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
        }
    }

    private func effectiveMetadata(_ event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        return merged
    }

    /// The journal fields of one event, each "NAME=value", in a stable order.
    static func fields(of event: LogEvent, identifier: String, metadata: Logger.Metadata) -> [String] {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            fields.append("\(fieldName(key))=\(text(value))")
        }
        return fields
    }

    /// syslog priorities: trace and debug are both 7 (debug), critical is 2 (crit).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// A journal field name: `CORPUSD_` + the key with every character outside A–Z, 0–9 made `_`,
    /// at most 64 characters (the journal's limit).
    static func fieldName(_ key: String) -> String {
        let body = key.uppercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "0"..."9": return Character(scalar)
            default: return "_"
            }
        }
        return String(("CORPUSD_" + String(body)).prefix(64))
    }

    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array, .dictionary: return value.description
        }
    }

    /// One `sd_journal_sendv` call over all fields; values may hold newlines (the iovec form allows it).
    private static func send(_ fields: [String]) -> Int32 {
        var bytes: [UInt8] = []
        var spans: [(offset: Int, count: Int)] = []
        for field in fields {
            spans.append((bytes.count, field.utf8.count))
            bytes.append(contentsOf: field.utf8)
        }
        return bytes.withUnsafeMutableBytes { buffer in
            let vectors = spans.map { span in
                iovec(iov_base: buffer.baseAddress.map { $0 + span.offset }, iov_len: span.count)
            }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
