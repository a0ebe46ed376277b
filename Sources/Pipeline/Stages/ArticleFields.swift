import Foundation

/// An article as structured sources name its parts: JSON from news APIs and crawlers, JSON-LD in
/// pages. One mapping for all of them, so a `headline` means the same wherever it appears.
struct ArticleFields {
    var title: String?
    var summary: String?
    /// Body text, plain or HTML (a feed's or API's `content` often carries markup).
    var body: String?
    var url: String?
    var published: PublishedTime?
    var source: String?
    var byline: String?
    var tags: [String] = []

    static let titleKeys = ["title", "headline", "webTitle", "name", "heading"]
    static let summaryKeys = ["description", "summary", "excerpt", "abstract", "standfirst", "dek", "lead", "trailText", "snippet", "lead_paragraph"]
    static let bodyKeys = [
        "content", "articleBody", "article_body", "body", "text", "full_text", "fulltext", "maintext", "main_text",
        "story", "content_html", "html", "content_text",
    ]
    static let urlKeys = ["url", "link", "canonical_url", "canonicalUrl", "webUrl", "web_url", "permalink", "href", "mainEntityOfPage"]
    static let dateKeys = [
        "publishedAt", "published_at", "datePublished", "date_published", "published", "pubDate", "pub_date",
        "webPublicationDate", "publication_date", "publishedDate", "published_date", "date", "isoDate", "created_at",
        "createdAt", "dateCreated", "time", "timestamp", "dateModified", "updated", "updated_at",
    ]
    static let sourceKeys = ["source", "publisher", "site_name", "siteName", "source_name", "sourceName", "site", "outlet", "domain"]
    static let authorKeys = ["author", "authors", "byline", "creator", "writer", "author_name", "authorName"]
    static let tagKeys = ["tags", "keywords", "categories", "category", "topics", "subjects", "labels", "news_keywords"]

    /// Reads the common shapes; unknown keys are ignored, and nested `fields` (as some APIs nest them) merged.
    init(_ object: [String: Any], relativeTo now: Date?) {
        var object = object
        if let inner = object["_source"] as? [String: Any] { object = inner }
        if let fields = object["fields"] as? [String: Any] {
            for (key, value) in fields where object[key] == nil || key == "body" || key == "headline" || key == "byline" {
                object[key] = value
            }
        }
        title = Self.firstString(object, Self.titleKeys)
        summary = Self.firstString(object, Self.summaryKeys)
        body = Self.firstString(object, Self.bodyKeys)
        url = Self.firstString(object, Self.urlKeys).flatMap { $0.contains(".") ? $0 : nil }
        for key in Self.dateKeys {
            guard let value = object[key] else { continue }
            if let date = Self.date(value, relativeTo: now) {
                published = date
                break
            }
        }
        source = Self.firstString(object, Self.sourceKeys).flatMap { $0.count <= 120 ? $0 : nil }
        byline = Self.firstString(object, Self.authorKeys).map(Self.cleanByline)
        for key in Self.tagKeys {
            guard let value = object[key] else { continue }
            let found = Self.tagList(value)
            if !found.isEmpty {
                tags = found
                break
            }
        }
    }

    static func firstString(_ object: [String: Any], _ keys: [String]) -> String? {
        for key in keys {
            if let value = object[key], let text = string(value), !text.isEmpty { return text }
        }
        return nil
    }

    /// A value as text: strings as they are, objects by their usual text-bearing keys, lists of names joined.
    static func string(_ value: Any) -> String? {
        switch value {
        case let s as String:
            let t = Self.trimmingWhitespaceAndNewlines(s)
            return t.isEmpty ? nil : t
        case let d as [String: Any]:
            for key in ["name", "main", "original", "rendered", "value", "@value", "#text", "text", "title", "@id", "href", "url"] {
                if let v = d[key], let s = string(v) { return s }
            }
            return nil
        case let a as [Any]:
            let parts = a.compactMap(string)
            return parts.isEmpty ? nil : parts.joined(separator: ", ")
        default:
            return nil
        }
    }

    /// `text.trimmingCharacters(in: .whitespacesAndNewlines)`. Over the bytes when the first and last
    /// characters kept are ASCII (Foundation's trim stops at the first scalar outside the set, and the set's
    /// ASCII members are tab, the line breaks and space); through Foundation otherwise. Text with nothing to
    /// trim is returned as it is, without a copy.
    static func trimmingWhitespaceAndNewlines(_ text: String) -> String {
        var copy = text
        let bounds = copy.withUTF8 { bytes -> Range<Int>? in
            var start = 0
            var end = bytes.count
            while start < end && isASCIIWhitespaceOrNewline(bytes[start]) { start += 1 }
            while end > start && isASCIIWhitespaceOrNewline(bytes[end - 1]) { end -= 1 }
            if start == end { return 0..<0 }
            guard bytes[start] < 0x80 && bytes[end - 1] < 0x80 else { return nil }
            return start..<end
        }
        guard let bounds else { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        if bounds.count == copy.utf8.count { return copy }
        let utf8 = copy.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: bounds.lowerBound)
        return String(copy[lower..<utf8.index(lower, offsetBy: bounds.count)])
    }

    @inline(__always)
    static func isASCIIWhitespaceOrNewline(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    static func tagList(_ value: Any) -> [String] {
        switch value {
        case let s as String:
            return PlainTextParser.splitTags(s)
        case let a as [Any]:
            return a.compactMap { item -> String? in
                if let d = item as? [String: Any] {
                    for key in ["name", "term", "label", "value", "webTitle", "title", "slug"] {
                        if let s = d[key] as? String, !s.isEmpty { return s }
                    }
                    return nil
                }
                return string(item)
            }
        case let d as [String: Any]:
            return string(d).map { [$0] } ?? []
        default:
            return []
        }
    }

    /// ISO 8601, RFC 822 and the other textual forms `DateParsing` reads; numbers are Unix seconds or milliseconds.
    static func date(_ value: Any, relativeTo now: Date?) -> PublishedTime? {
        if let s = value as? String {
            return DateParsing.find(in: s) ?? DateParsing.relative(s, now: now)
        }
        if let n = value as? NSNumber, !(value is Bool) {
            var seconds = n.doubleValue
            if seconds > 1e11 { seconds /= 1000 }
            guard seconds > 0, seconds < 7.3e9 else { return nil }
            return PublishedTime(date: Date(timeIntervalSince1970: seconds), utcOffset: 0, hasTime: true)
        }
        return nil
    }

    /// "By Jane Doe" → "Jane Doe"; a profile URL is not a name.
    static func cleanByline(_ text: String) -> String {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.lowercased().hasPrefix("by ") { t = String(t.dropFirst(3)).trimmingCharacters(in: .whitespaces) }
        if t.hasPrefix("http") , let last = t.split(separator: "/").last {
            return last.split(separator: "-").map { $0.capitalized }.joined(separator: " ")
        }
        return t
    }

    /// The article these fields describe; the body is split into paragraphs (markup is read as HTML).
    func article(knownBoilerplate: KnownBoilerplate = .none) throws(PipelineError) -> ParsedArticle {
        var text = body ?? summary ?? ""
        // News APIs cut the body and say by how much: "… [+1234 chars]". (No "chars]", no such marker:
        // the costly expression is tried only on text that holds one.)
        if TextSearch.contains(text, "chars]"), let marker = text.range(of: #"\s*…?\s*\[\+\d+ chars\]\s*$"#, options: .regularExpression) {
            text = String(text[..<marker.lowerBound])
        }
        var paragraphs = Self.paragraphs(text)
        paragraphs = paragraphs.filter { paragraph in
            if knownBoilerplate.contains(paragraph) { return false }
            switch LineClassifier.classify(Substring(paragraph)) {
            case .callToAction, .copyright, .blank: return false
            default: return true
            }
        }
        guard !paragraphs.isEmpty else { throw .noBody }
        let title = title.map(Markup.collapse) ?? ""
        var article = ParsedArticle(
            title: title.isEmpty ? PlainTextParser.firstSentence(of: paragraphs[0]) : title,
            source: source, url: url, published: published, byline: byline, explicitTags: tags,
            summary: body != nil ? summary.map { Markup.looksLikeMarkup($0) ? Markup.fragmentParagraphs($0).joined(separator: " ") : $0 } : nil,
            paragraphs: paragraphs)
        if article.source == nil, let url { article.source = Publishers.name(forURL: url) }
        return article
    }

    /// The articles of entries read together (a feed, a JSON list, or one chunk of a streamed one), with
    /// furniture learned across them: lines most entries repeat (a newsletter prompt under each story).
    static func articles(_ entries: [Result<ArticleFields, PipelineError>]) -> [Result<ParsedArticle, PipelineError>] {
        let known = boilerplate(of: entries)
        return entries.map { entry in entry.flatMap { fields in Result { () throws(PipelineError) in try fields.article(knownBoilerplate: known) } } }
    }

    /// The furniture of entries read together: lines that recur across them.
    static func boilerplate(of entries: [Result<ArticleFields, PipelineError>]) -> KnownBoilerplate {
        KnownBoilerplate.learn(from: entries.compactMap { try? $0.get() }.map { paragraphs($0.body ?? $0.summary ?? "") })
    }

    static func paragraphs(_ text: String) -> [String] {
        if Markup.looksLikeMarkup(text) { return Markup.fragmentParagraphs(text) }
        // `TextSearch.lines` is `split(whereSeparator: \.isNewline)` over the bytes, empty pieces kept.
        return TextSearch.lines(text).compactMap { line in line.isEmpty ? nil : Markup.collapse(String(line)) }.filter { !$0.isEmpty }
    }
}

/// Lines known to be a source's furniture because they recur across its documents (the newsletter
/// prompt under every story of one feed). A value passed into the stages, so they stay pure.
public struct KnownBoilerplate: Sendable, Hashable {
    private var lines: Set<String>
    /// Lines known by their `SourceFurniture.hash` (what the store learned about a source).
    private var hashes: Set<Int64> = []

    public init<S: Sequence<String>>(_ lines: S) {
        self.lines = Set(lines.map(Normalizer.normalize).filter { !$0.isEmpty })
    }

    public static let none = KnownBoilerplate([String]())

    public var isEmpty: Bool { lines.isEmpty && hashes.isEmpty }

    public func contains(_ line: String) -> Bool {
        if isEmpty { return false }
        if !lines.isEmpty && lines.contains(Normalizer.normalize(line)) { return true }
        return !hashes.isEmpty && SourceFurniture.hash(line).map(hashes.contains) == true
    }

    /// These lines and the furniture lines `hashes` name.
    public func adding(hashes more: Set<Int64>) -> KnownBoilerplate {
        var known = self
        known.hashes.formUnion(more)
        return known
    }

    /// Lines that recur in at least `minimum` of the documents and in at least a third of them:
    /// furniture every article of a source carries, never a sentence only some share.
    public static func learn(from documents: [[String]], minimum: Int = 3) -> KnownBoilerplate {
        guard documents.count >= minimum else { return .none }
        var counts: [String: Int] = [:]
        for lines in documents {
            for line in Set(lines.map(Normalizer.normalize)) where !line.isEmpty { counts[line, default: 0] += 1 }
        }
        let needed = max(minimum, (documents.count + 2) / 3)
        var known = KnownBoilerplate.none
        known.lines = Set(counts.filter { $0.value >= needed }.map(\.key))
        return known
    }
}
