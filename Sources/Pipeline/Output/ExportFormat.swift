import Foundation

/// How `corpusctl export` writes documents: one record at a time, so that any corpus streams in constant memory.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// One JSON object per line, with every field of `DocumentDetail` (snake_case keys, nulls written).
    case jsonl
    /// RFC 4180 CSV with a header line; tags joined by ";".
    case csv

    static let csvColumns = ["id", "title", "source", "published", "byline", "url", "tags", "file", "ingested_at",
                             "word_count", "summary", "body"]

    /// What comes before the first record.
    public var header: String? {
        switch self {
        case .jsonl: return nil
        case .csv: return Self.csvColumns.joined(separator: ",") + "\r\n"
        }
    }

    /// One record, with its line ending.
    public func record(_ d: DocumentDetail) throws -> String {
        switch self {
        case .jsonl:
            return DocumentRecord(d).jsonLine()
        case .csv:
            let fields: [String] = [
                String(d.id), d.title, d.source ?? "", d.published ?? "", d.byline ?? "", d.url ?? "",
                d.tags.joined(separator: ";"), d.file, Timestamps.iso(d.ingestedAt), String(d.wordCount),
                d.summary ?? "", d.body,
            ]
            return fields.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A document's fields, flat, as an export line (with its tag slugs) and `show --json` (with its item id)
/// write them; nulls are written so that every line has the same keys.
struct DocumentRecord: Encodable {
    var id: Int64
    var title: String
    @NullEncoded var source: String?
    @NullEncoded var url: String?
    @NullEncoded var published: String?
    @NullEncoded var byline: String?
    @NullEncoded var summary: String?
    var body: String
    var wordCount: Int
    var encoding: String
    /// Left out unless asked for.
    var itemId: Int64?
    var file: String
    var ingestedAt: Date
    /// Left out unless asked for.
    var tags: [String]?

    init(_ d: DocumentDetail, itemID: Bool = false, tags: Bool = true) {
        id = d.id
        title = d.title
        source = d.source
        url = d.url
        published = d.published
        byline = d.byline
        summary = d.summary
        body = d.body
        wordCount = d.wordCount
        encoding = d.encoding
        file = d.file
        ingestedAt = d.ingestedAt
        itemId = itemID ? d.itemID : nil
        self.tags = tags ? d.tags : nil
    }

    /// The line `JSONEncoder.corpus` writes for the record (its bytes, then a line ending), written straight: keys in
    /// the encoder's sorted snake_case order, a member left out where the encoder leaves it out.
    func jsonLine() -> String {
        var line = JSONLine(capacity: body.utf8.count + title.utf8.count + 512)
        line.member("body", body)
        line.member("byline", byline)
        line.member("encoding", encoding)
        line.member("file", file)
        line.member("id", id)
        line.member("ingested_at", ingestedAt)
        if let itemId { line.member("item_id", itemId) }
        line.member("published", published)
        line.member("source", source)
        line.member("summary", summary)
        if let tags { line.member("tags", tags) }
        line.member("title", title)
        line.member("url", url)
        line.member("word_count", Int64(wordCount))
        return line.finished()
    }
}

/// A one-line progress bar for a terminal: "[#####-----]  52/100". Pure.
public enum ProgressBar {
    public static func line(done: Int, total: Int, width: Int) -> String {
        let counter = " \(done)/\(total)"
        let room = max(10, min(50, width - counter.count - 2))
        let filled = total > 0 ? min(room, room * done / total) : room
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: room - filled) + "]" + counter
    }
}

/// Prometheus text exposition, read back into samples for `corpusctl metrics --json`. Pure.
public enum PrometheusText {
    public struct Sample: Sendable, Hashable, Codable {
        public var labels: [String: String]
        public var value: Double
    }

    /// Metric name → its samples, in the order given. Comment lines are skipped.
    public static func parse(_ text: String) -> [String: [Sample]] {
        var result: [String: [Sample]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let head = line[..<space]
            var name = String(head)
            var labels: [String: String] = [:]
            if let brace = head.firstIndex(of: "{"), head.hasSuffix("}") {
                name = String(head[..<brace])
                labels = parseLabels(String(head[head.index(after: brace)..<head.index(before: head.endIndex)]))
            }
            result[name, default: []].append(Sample(labels: labels, value: value))
        }
        return result
    }

    private static func parseLabels(_ text: String) -> [String: String] {
        var labels: [String: String] = [:]
        var rest = Substring(text)
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
            rest = rest[rest.index(after: equals)...]
            guard rest.first == "\"" else { break }
            rest = rest.dropFirst()
            var value = ""
            while let character = rest.first {
                rest = rest.dropFirst()
                if character == "\\", let next = rest.first {
                    rest = rest.dropFirst()
                    value.append(next == "n" ? "\n" : next)
                } else if character == "\"" {
                    break
                } else {
                    value.append(character)
                }
            }
            labels[key] = value
        }
        return labels
    }
}
