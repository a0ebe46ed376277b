import Foundation

/// The bytes of one dropped file, as the pipeline sees them: no path, no handle, no clock.
public struct SourceFile: Sendable {
    /// The file's name inside the inbox (display form; may contain replacement characters).
    public var name: String
    public var bytes: [UInt8]
    /// The file's modification time, used only to make relative dates meaningful.
    public var modified: Date?

    public init(name: String, bytes: [UInt8], modified: Date? = nil) {
        self.name = name
        self.bytes = bytes
        self.modified = modified
    }
}

/// A publication time as the page stated it: the instant plus the UTC offset it was written in.
public struct PublishedTime: Sendable, Hashable, Codable {
    public var date: Date
    /// Seconds east of UTC, or nil when the page gave no time zone (then `date` is read as UTC).
    public var utcOffset: Int?
    /// True when the page gave a time of day, not only a calendar date.
    public var hasTime: Bool

    public init(date: Date, utcOffset: Int?, hasTime: Bool) {
        self.date = date
        self.utcOffset = utcOffset
        self.hasTime = hasTime
    }

    /// ISO 8601 in the page's own offset, e.g. `2024-01-26T11:12:00-05:00`, or `2024-01-26` for a bare date.
    public var iso8601: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: utcOffset ?? 0)!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        guard hasTime else { return day }
        let time = String(format: "T%02d:%02d:%02d", c.hour!, c.minute!, c.second!)
        guard let offset = utcOffset else { return day + time + "Z" }
        if offset == 0 { return day + time + "Z" }
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return day + time + String(format: "%@%02d:%02d", sign, minutes / 60, minutes % 60)
    }
}

/// What the parser found in a page, before normalization and tagging.
public struct ParsedArticle: Sendable, Hashable {
    public var title: String
    public var source: String?
    public var url: String?
    public var published: PublishedTime?
    public var byline: String?
    /// Tags the page itself declared (a `Tags:` line, keywords, categories), as written.
    public var explicitTags: [String]
    /// Standfirst or summary bullets, when the page has them.
    public var summary: String?
    /// Body paragraphs in reading order, boilerplate removed.
    public var paragraphs: [String]

    public init(
        title: String, source: String? = nil, url: String? = nil, published: PublishedTime? = nil,
        byline: String? = nil, explicitTags: [String] = [], summary: String? = nil, paragraphs: [String]
    ) {
        self.title = title
        self.source = source
        self.url = url
        self.published = published
        self.byline = byline
        self.explicitTags = explicitTags
        self.summary = summary
        self.paragraphs = paragraphs
    }

    public var body: String { paragraphs.joined(separator: "\n\n") }
}

/// Where a tag on a document came from.
public enum TagOrigin: String, Sendable, Codable, Hashable, CaseIterable {
    /// Declared by the page itself.
    case explicit
    /// Declared by the page under another name, mapped through the taxonomy's aliases.
    case alias
    /// Matched by a taxonomy rule over title and body.
    case rule
    /// Given by the inbox subfolder the file was dropped in.
    case folder
    /// Predicted by the learned classifier.
    case model
}

/// One tag given to a document, with why.
public struct AssignedTag: Sendable, Hashable, Codable {
    public var slug: String
    public var name: String
    public var origin: TagOrigin
    public var score: Double?
    /// A short human explanation, e.g. "'Beijing' ×3 in body, 'China' ×1 in title".
    public var evidence: String?

    public init(slug: String, name: String, origin: TagOrigin, score: Double? = nil, evidence: String? = nil) {
        self.slug = slug
        self.name = name
        self.origin = origin
        self.score = score
        self.evidence = evidence
    }
}

/// A fully processed article, ready to be stored: the pipeline's output for one good file.
public struct ExtractedArticle: Sendable {
    public var article: ParsedArticle
    /// The text the fingerprint was computed from (NFKC, case-folded, punctuation and spacing collapsed).
    public var normalizedBody: String
    public var bodyHash: Digest
    public var tags: [AssignedTag]
    public var wordCount: Int
    public var encoding: TextEncodingUsed
    /// Shingles, MinHash and LSH band keys of `normalizedBody`, for near-duplicate look-ups.
    public var nearDuplicate: NearDuplicateFingerprint
    /// The terms that link this article to others on the same story (`StoryTerms`).
    public var storyTerms: [String]

    /// The near-duplicate fingerprint and story terms are derived from `normalizedBody` and `article`
    /// here, so that whoever builds an article (the pipeline, in its parallel part) gets them.
    public init(article: ParsedArticle, normalizedBody: String, bodyHash: Digest, tags: [AssignedTag], wordCount: Int,
                encoding: TextEncodingUsed) {
        self.article = article
        self.normalizedBody = normalizedBody
        self.bodyHash = bodyHash
        self.tags = tags
        self.wordCount = wordCount
        self.encoding = encoding
        nearDuplicate = NearDuplicate.fingerprint(normalizedBody: normalizedBody)
        storyTerms = StoryTerms.extract(article)
    }
}

/// Why a file could not become an article. Every case reads as a reason a person understands.
public enum PipelineError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case binary(offset: Int)
    /// No NUL, but more than one control character in ten visible ones: binary data, not text.
    case controlCharacters(count: Int, visible: Int)
    case noTitle
    case noBody
    /// Not a format corpusd reads; the text says what it looked like.
    case unsupportedFormat(String)
    /// The file is of a known format but broken beyond reading (invalid JSON, a cut-off gzip stream …).
    case corrupt(String)
    /// Decompressed, the file would exceed the size limit (a gzip bomb, or just too big).
    case tooLarge(limit: Int64)
    /// A feed or list with no entry in it.
    case noEntries

    public var description: String {
        switch self {
        case .empty: return "empty file"
        case .binary(let offset): return "unsupported format: not text (NUL byte at offset \(offset))"
        case .controlCharacters(let count, let visible):
            return "unsupported format: not text (\(count) control characters against \(visible) visible ones)"
        case .noTitle: return "no article found: no title line"
        case .noBody: return "no article found: no body text"
        case .unsupportedFormat(let what): return "unsupported format: \(what)"
        case .corrupt(let why): return "malformed: \(why)"
        case .tooLarge(let limit): return "too large: more than \(limit) bytes once decompressed"
        case .noEntries: return "no article found: the file lists no entries"
        }
    }
}
