import Foundation

/// Columns `corpusctl list --format` can show, by name.
public enum ListColumn: String, Sendable, CaseIterable {
    case id, published, source, title, tags, file, ingested, byline, url, words

    public static let defaults: [ListColumn] = [.id, .published, .source, .title, .tags]

    /// Parses "id,title,tags"; nil names the first unknown column.
    public static func parse(_ text: String) -> Result<[ListColumn], UnknownColumn> {
        var columns: [ListColumn] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            guard let column = ListColumn(rawValue: name) else { return .failure(UnknownColumn(name: name)) }
            columns.append(column)
        }
        return columns.isEmpty ? .failure(UnknownColumn(name: text)) : .success(columns)
    }

    public struct UnknownColumn: Error, CustomStringConvertible {
        public var name: String
        public var description: String {
            "unknown column '\(name)'; columns: \(ListColumn.allCases.map(\.rawValue).joined(separator: ","))"
        }
    }

    var column: TextTable.Column {
        switch self {
        case .id: return .init("ID", alignRight: true)
        case .published: return .init("PUBLISHED")
        case .source: return .init("SOURCE", flexible: true, minWidth: 12, keep: 2)
        case .title: return .init("TITLE", flexible: true, minWidth: 24, keep: 3)
        case .tags: return .init("TAGS", flexible: true, minWidth: 12)
        case .file: return .init("FILE", flexible: true, minWidth: 16)
        case .ingested: return .init("INGESTED")
        case .byline: return .init("BYLINE", flexible: true, minWidth: 12)
        case .url: return .init("URL", flexible: true, minWidth: 20)
        case .words: return .init("WORDS", alignRight: true)
        }
    }

    func cell(_ d: DocumentListing) -> String {
        switch self {
        case .id: return String(d.id)
        case .published: return d.published.map { String($0.prefix(10)) } ?? "-"
        case .source: return d.source ?? "-"
        case .title: return d.title
        case .tags: return d.tags.joined(separator: ",")
        case .file: return d.file
        case .ingested: return Timestamps.iso(d.ingestedAt)
        case .byline: return d.byline ?? "-"
        case .url: return d.url ?? "-"
        case .words: return d.wordCount.map(String.init) ?? "-"
        }
    }
}

extension DocumentListing {
    /// The listings as a table of `columns` that fits `width`.
    public static func table(_ listings: [DocumentListing], columns: [ListColumn], width: Int) -> String {
        TextTable(columns: columns.map(\.column), rows: listings.map { d in columns.map { $0.cell(d) } })
            .render(width: width)
    }
}

enum Timestamps {
    /// "2024-01-26T16:12:00Z": absolute instants in human output are ISO 8601 in UTC.
    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}

/// One item in `corpusctl queue --json`; the field names are a stable contract.
public struct QueueEntry: Sendable, Hashable, Encodable {
    public var id: Int64
    /// The path as it was in the inbox.
    public var file: String
    public var size: Int64
    public var state: ItemState
    @NullEncoded public var reason: String?
    @NullEncoded public var documentId: Int64?
    @NullEncoded public var duplicateKind: String?
    @NullEncoded public var similarity: Double?
    public var firstSeen: Date
    @NullEncoded public var finishedAt: Date?
    /// Where the original is now, relative to the state folder (archive/… or failed/…).
    @NullEncoded public var original: String?

    public init(_ row: ItemRow) {
        id = row.id
        file = row.name
        size = row.size
        state = row.state
        reason = row.reason
        documentId = row.documentID
        duplicateKind = row.duplicateKind
        similarity = row.similarity
        firstSeen = row.firstSeen
        finishedAt = row.finishedAt
        original = row.disposedPath.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What became of the item, in words: "document 12", "duplicate of 3 (exact-bytes)", or the failure reason.
    public var outcome: String {
        switch state {
        case .pending: return reason.map { "waiting to retry: \($0)" } ?? "waiting"
        case .processing: return "being processed"
        case .stored: return documentId.map { "document \($0)" } ?? "stored"
        case .duplicate:
            return "duplicate of \(documentId.map(String.init) ?? "?")" + (duplicateKind.map { " (\($0))" } ?? "")
        case .failed: return reason ?? "failed"
        }
    }

    public static func table(_ entries: [QueueEntry], width: Int, now: Date) -> String {
        TextTable(
            columns: [.init("ID", alignRight: true), .init("STATE"), .init("AGE", alignRight: true),
                      .init("SIZE", alignRight: true), .init("FILE", flexible: true, minWidth: 16),
                      .init("OUTCOME", flexible: true, minWidth: 20)],
            rows: entries.map { e in
                [String(e.id), e.state.rawValue, Durations.short(now.timeIntervalSince(e.firstSeen)), Sizes.short(e.size),
                 e.file, e.outcome]
            }
        ).render(width: width)
    }
}

enum Sizes {
    /// "812 B", "14.2 KiB", "3.0 MiB".
    static func short(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}

/// One result in `corpusctl search --json`; the field names are a stable contract.
public struct SearchResult: Sendable, Hashable, Encodable {
    public var id: Int64
    public var title: String
    @NullEncoded public var source: String?
    @NullEncoded public var published: String?
    public var tags: [String]
    public var file: String
    public var ingestedAt: Date
    /// bm25 over title and body: lower is a better match.
    public var rank: Double
    /// The best passage of the body, plain.
    public var snippet: String
    /// The words of the snippet that matched, in order.
    public var hits: [String]
    /// The snippet with its hits between the markers, for `render`.
    let marked: String
    /// Set when the query matched more documents than this and only the newest this many were ranked
    /// (`CorpusDatabase.searchWindow`); absent when every match was ranked.
    public var rankedAmongNewest: Int?

    public init(_ hit: SearchHit, rankedAmongNewest: Int? = nil) {
        self.rankedAmongNewest = rankedAmongNewest
        id = hit.document.id
        title = hit.document.title
        source = hit.document.source
        published = hit.document.published
        tags = hit.document.tags
        file = hit.document.file
        ingestedAt = hit.document.ingestedAt
        rank = (hit.rank * 1000).rounded() / 1000 + 0  // + 0 turns -0 into 0
        // One line: the passage may span paragraphs.
        let marked = hit.markedSnippet.split(whereSeparator: \.isNewline).joined(separator: " ")
        self.marked = marked
        var plain = ""
        var hits: [String] = []
        var current: String?
        for character in marked {
            if character == SearchHit.hitStart {
                current = ""
            } else if character == SearchHit.hitEnd {
                if let current { hits.append(current) }
                current = nil
            } else {
                plain.append(character)
                current?.append(character)
            }
        }
        snippet = plain
        self.hits = hits
    }

    private enum CodingKeys: String, CodingKey {
        case id, title, source, published, tags, file, ingestedAt, rank, snippet, hits, rankedAmongNewest
    }

    /// Each result as its id and title, a line of source, date and tags, and the snippet wrapped below
    /// with the hits styled.
    public static func render(_ results: [SearchResult], width: Int, style: TextStyle) -> String {
        let idWidth = results.map { String($0.id).count }.max() ?? 1
        return results.map { r in
            let id = String(repeating: " ", count: idWidth - String(r.id).count) + String(r.id)
            let indent = String(repeating: " ", count: idWidth + 2)
            let heading = TextTable.fit(r.title, max(10, width - indent.count))
            var meta = [r.source ?? "unknown source", r.published.map { String($0.prefix(10)) } ?? "undated"]
            if !r.tags.isEmpty { meta.append(r.tags.joined(separator: ",")) }
            // Wrap the plain text, then put the styling back, so escape codes never count toward the width.
            var lines = TextWrap.wrap(r.snippet, width: width, indent: indent)
            if style.color { lines = highlight(lines, marked: r.marked, style: style) }
            return style.bold(id) + "  " + style.bold(heading) + "\n"
                + indent + style.dim(TextTable.fit(meta.joined(separator: " · "), max(10, width - indent.count))) + "\n"
                + lines
        }.joined(separator: "\n\n")
    }

    /// Re-applies the hits of `marked` to `wrapped` (the same characters, with line breaks and indents added).
    static func highlight(_ wrapped: String, marked: String, style: TextStyle) -> String {
        var inHit: [Bool] = []
        var hit = false
        for character in marked {
            if character == SearchHit.hitStart { hit = true } else if character == SearchHit.hitEnd { hit = false } else {
                if character != " " && character != "\n" { inHit.append(hit) }
            }
        }
        var out = ""
        var index = 0
        var run = ""
        func flush() {
            if !run.isEmpty { out += style.hit(run) }
            run = ""
        }
        for character in wrapped {
            if character == " " || character == "\n" {
                flush()
                out.append(character)
                continue
            }
            let highlighted = index < inHit.count && inHit[index]
            index += 1
            if highlighted { run.append(character) } else {
                flush()
                out.append(character)
            }
        }
        flush()
        return out
    }
}

extension SourceCount {
    public static func table(_ sources: [SourceCount], width: Int) -> String {
        TextTable(
            columns: [.init("SOURCE", flexible: true, minWidth: 16), .init("DOCUMENTS", alignRight: true),
                      .init("FIRST PUBLISHED"), .init("LAST PUBLISHED"), .init("LAST INGESTED")],
            rows: sources.map { s in
                [s.source ?? "(unknown)", String(s.documents), s.firstPublished.map { String($0.prefix(10)) } ?? "-",
                 s.lastPublished.map { String($0.prefix(10)) } ?? "-", Timestamps.iso(s.lastIngested)]
            }
        ).render(width: width)
    }
}
