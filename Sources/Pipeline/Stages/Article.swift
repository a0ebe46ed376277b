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
    ///
    /// Worked out by integer arithmetic on the Gregorian calendar (days from 1970-01-01 to a civil date), which is
    /// what Foundation's calendar gives from 1600 to 9999; other years (Foundation switches to the Julian calendar
    /// before October 1582) take `calendarISO8601`.
    public var iso8601: String {
        let offset = utcOffset ?? 0
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds.magnitude < 1e15 else { return calendarISO8601 }
        let local = Int64(seconds) + Int64(offset)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        let (year, month, day) = CivilDate.of(daysSince1970: days)
        guard (1600...9999).contains(year) else { return calendarISO8601 }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let date = "\(year)-\(two(month))-\(two(day))"
        guard hasTime else { return date }
        let time = "T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        guard let utcOffset, utcOffset != 0 else { return date + time + "Z" }
        let minutes = abs(utcOffset) / 60
        return date + time + (utcOffset < 0 ? "-" : "+") + two(minutes / 60) + ":" + two(minutes % 60)
    }

    /// `iso8601` through Foundation's Gregorian calendar: the reference the arithmetic is tested against.
    var calendarISO8601: String {
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

extension ParsedArticle {
    /// The article with every NUL character taken out of its text. Only a JSON string brings one in (`\u0000`: a file
    /// with a NUL byte is not read as text, and XML cannot carry one), and it is never meant: SQLite keeps text by its
    /// length, but text bound as a C string (GRDB's own binding) ends at the first NUL, so one field would have been
    /// stored whole by the writer's direct statements (`DirectStatement`) and cut short by others.
    func removingNUL() -> ParsedArticle {
        func clean(_ text: String) -> String {
            var copy = text
            let hasNUL = copy.withUTF8 { bytes in bytes.baseAddress.map { memchr($0, 0, bytes.count) != nil } ?? false }
            return hasNUL ? String(String.UnicodeScalarView(text.unicodeScalars.lazy.filter { $0 != "\0" })) : text
        }
        var article = self
        article.title = clean(title)
        article.source = source.map(clean)
        article.url = url.map(clean)
        article.byline = byline.map(clean)
        article.summary = summary.map(clean)
        article.explicitTags = explicitTags.map(clean)
        article.paragraphs = paragraphs.map(clean).filter { !$0.isEmpty }
        return article
    }
}

/// The date of a day counted from 1970-01-01 on the proleptic Gregorian calendar (eras of 400 years, March-based
/// years: Howard Hinnant's `civil_from_days`), which is what Foundation's calendar gives from October 1582 on.
enum CivilDate {
    static func of(daysSince1970 days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), month, day)
    }
}
