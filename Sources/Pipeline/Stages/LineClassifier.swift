import Foundation

/// What one line of a plain-text page is, judged from the line alone.
enum LineKind: Equatable, Sendable {
    case blank
    /// A labelled field such as `Tags: a | b` or `Source: Reuters`.
    case field(FieldLabel, String)
    /// A `By …` line; may carry a date after a separator.
    case byline(String)
    /// Navigation, advertising, prompts to sign up, share or comment.
    case callToAction
    case copyright
    case caption
    case bullet(String)
    /// Numbers, counters, lone symbols, all-caps labels.
    case label
    /// A bare web address.
    case url(String)
    /// A sentence-bearing paragraph.
    case prose
    /// A short line that is none of the above: a headline, a kicker, a name, a subheading.
    case short
}

enum FieldLabel: String, Sendable {
    case tags, source, url, published
}

/// Line-level features in the spirit of jusText: length, sentence punctuation, stop-word density,
/// and the vocabulary of page furniture. Nothing here names a particular publisher.
enum LineClassifier {
    /// `overBytes`: a line that is ASCII but for `SafeSeparators` and Latin letters has its words counted over its bytes
    /// (false: split into `Substring`s, as for other text; the tests compare the two).
    static func classify(_ raw: Substring, overBytes: Bool = true) -> LineKind {
        let line = TextSearch.trimmingWhitespace(raw)
        if line.isEmpty { return .blank }
        let lower = matchingLowercased(line)

        if let field = field(line, lower) { return field }
        if lower.hasPrefix("by ") || lower == "by" || lower.hasPrefix("by|") {
            return .byline(TextSearch.trimmingWhitespace(line.dropFirst(2)))
        }
        if let first = line.unicodeScalars.first, bulletMarks.contains(first) {
            let text = line.unicodeScalars.dropFirst()
            let rest = TextSearch.trimmingWhitespace(String(String.UnicodeScalarView(text)))
            if !rest.isEmpty { return .bullet(rest) }
        }
        if isURL(lower) { return .url(line) }
        if isCopyright(lower) { return .copyright }
        if isCaption(line) { return .caption }

        // The words are counted over the bytes when the line is ASCII but for the safe separators and Latin letters
        // (U+00A1–U+024F, none of which joins a neighbour into one character, so its last byte tells whether it ends
        // a sentence as its last character does); split (as `TextSearch.words`) only when the line is other text or a
        // short one needs them.
        var copy = line
        let counted = !overBytes ? nil : copy.withUTF8 { bytes in
            ByteLine.wordCounts(bytes, latinLetters: true).map { ($0.words, $0.stop, ByteLine.endsSentence(bytes)) }
        }
        let split = counted == nil ? TextSearch.words(line) : nil
        let wordCount = counted?.0 ?? split!.count
        let letters = TextSearch.letterCount(line)
        if letters == 0 { return .label }
        // All capitals: letters without case (Chinese, Japanese …) are not capitals.
        if wordCount <= 3 && line == line.uppercased() && letters > 1
            && (split ?? TextSearch.words(line)).allSatisfy({ !$0.contains(where: \.isLowercase) })
            && line.contains(where: \.isUppercase)
        {
            return .label
        }
        let prose: Bool
        if let (words, stop, ends) = counted {
            prose = isProse(wordCount: words, stopWords: stop, endsSentence: ends)
        } else {
            prose = isProse(line, words: split!)
        }
        // In a sentence of running text only a prompt that opens it is furniture ("Sign up for …"): "He
        // decided to join the army" or "she had to sign up for the course" are the story's.
        if isCallToAction(lower, wordCount: prose ? Int.max : wordCount) { return .callToAction }
        return prose ? .prose : .short
    }

    /// What `classify` matches its ASCII phrases, prefixes and field labels against: `line.lowercased()`
    /// gives the same answers as this. Only ASCII letters are lowered here, other bytes kept (no Unicode case
    /// tables, the same length): an ASCII phrase is found at the same places either way, since no other
    /// scalar lowercases into ASCII but `İ` and the Kelvin sign, for which the line goes through `lowercased()`.
    static func matchingLowercased(_ line: String) -> String {
        var copy = line
        return copy.withUTF8 { bytes -> String? in
            // U+0130 is C4 B0, U+212A is E2 84 AA.
            for i in bytes.indices where bytes[i] == 0xC4 || bytes[i] == 0xE2 {
                if bytes[i] == 0xC4, i + 1 < bytes.count, bytes[i + 1] == 0xB0 { return nil }
                if bytes[i] == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x84, bytes[i + 2] == 0xAA { return nil }
            }
            return MarkupName.asciiLowercased(bytes)
        } ?? line.lowercased()
    }

    private static let bulletMarks: Set<Unicode.Scalar> = ["•", "·", "●", "▪", "■", "◦", "*", "–", "-"]

    private static func field(_ line: String, _ lower: String) -> LineKind? {
        // ":" is one byte and a grapheme cluster of its own: found among the bytes, it splits the line exactly.
        var copy = lower
        guard let offset = copy.withUTF8({ bytes -> Int? in
            guard let base = bytes.baseAddress, let found = memchr(base, 0x3A, bytes.count) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }) else { return nil }
        let colon = lower.utf8.index(lower.utf8.startIndex, offsetBy: offset)
        guard let label = fieldLabels[TextSearch.trimmingWhitespace(lower[..<colon])] else { return nil }
        let value = TextSearch.trimmingWhitespace(line[line.index(after: colon)...])
        return value.isEmpty ? nil : .field(label, value)
    }

    private static let fieldLabels: [String: FieldLabel] = [
        "tags": .tags, "tag": .tags, "keywords": .tags, "topics": .tags, "categories": .tags, "category": .tags,
        "filed under": .tags,
        "source": .source, "publisher": .source, "publication": .source,
        "url": .url, "link": .url, "canonical": .url, "original url": .url, "source url": .url,
        "published": .published, "date": .published, "published on": .published, "posted": .published,
        "posted on": .published, "updated": .published, "last updated": .published, "first published": .published,
    ]

    static func isURL(_ lower: String) -> Bool {
        (lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("www."))
            && !lower.contains(" ")
    }

    private static func isCopyright(_ lower: String) -> Bool {
        lower.hasPrefix("©") || lower.hasPrefix("(c) ") || lower.hasPrefix("copyright ")
            || TextSearch.contains(lower, "all rights reserved")
    }

    /// Photo captions end in (or carry) a credit: "… Photo: AP", "(Photo by …)", "Image: Getty".
    static func isCaption(_ line: String) -> Bool {
        var copy = line
        let (starts, markers) = (captionMarkerStarts, captionMarkerBytes)
        return copy.withUTF8 { bytes in
            // One pass: at each byte that starts a marker, compare the markers that start with it.
            for i in bytes.indices where starts[Int(bytes[i])] {
                for marker in markers where marker[0] == bytes[i] && bytes.count - i >= marker.count {
                    if memcmp(bytes.baseAddress! + i, marker, marker.count) == 0 { return true }
                }
            }
            return false
        }
    }

    private static let captionMarkerBytes = captionMarkers.map { Array($0.utf8) }
    /// Which bytes start a caption marker.
    private static let captionMarkerStarts: [Bool] = (0..<256).map { (b: Int) in captionMarkerBytes.contains { Int($0[0]) == b } }

    static let captionMarkers = [
        "Photo:", "Photos:", "Photograph:", "Image:", "Picture:", "Illustration:", "Video:",
        "(Photo", "Photo by ", "Photo credit", "Image credit", "File photo", "Credit:",
        "/Getty Images", "via Getty", "(AP Photo", "/AFP", "/Reuters", "Photo/",
    ]

    /// Page furniture: navigation, ads, newsletter and app prompts, comment and share widgets.
    /// A phrase only counts on a line short enough to be furniture, or at the very start of it.
    private static func isCallToAction(_ lower: String, wordCount: Int) -> Bool {
        let first = lower.utf8.first
        if wordCount <= 14 {
            if containsCallToActionPhrase(lower) { return true }
        } else {
            // On a longer line only a phrase at its very start counts, so there is no need to search it all
            // (nor to compare a phrase that starts with another byte).
            for phrase in ctaAnywhere where phrase.utf8.first == first && TextSearch.hasPrefix(lower, phrase) { return true }
        }
        if wordCount <= 4 {
            for word in ctaShort where lower == word || lower.hasPrefix(word + " ") { return true }
        }
        return false
    }

    /// Does `lower` hold any of `ctaAnywhere` (`ctaAnywhere.contains { TextSearch.contains(lower, $0) }`)? One pass
    /// over its bytes, comparing at each byte only the phrases that start with it (a search of the line for each of the
    /// 57 phrases in turn was a fifth of the classifier's cost).
    static func containsCallToActionPhrase(_ lower: String) -> Bool {
        var copy = lower
        let table = ctaTable
        return copy.withUTF8 { bytes in
            let n = bytes.count
            guard n > 0 else { return false }
            return table.bytes.withUnsafeBufferPointer { flat in
                table.offsets.withUnsafeBufferPointer { offsets in
                    table.byFirst.withUnsafeBufferPointer { byFirst in
                        let base = bytes.baseAddress!
                        for i in 0..<n {
                            // The phrases that start with this byte: `byFirst` holds the first one's number and how many.
                            let entry = byFirst[Int(bytes[i])]
                            var k = Int(entry >> 8)
                            let end = k + Int(entry & 0xFF)
                            while k < end {
                                let from = offsets[k], length = offsets[k + 1] - from
                                if n - i >= length && memcmp(base + i, flat.baseAddress! + from, length) == 0 { return true }
                                k += 1
                            }
                        }
                        return false
                    }
                }
            }
        }
    }

    /// `ctaAnywhere`'s phrases one after another in `bytes`, sorted by their first byte, the `k`th from `offsets[k]` to
    /// `offsets[k + 1]`; for each byte, the number of the first phrase that starts with it (shifted by 8) and how many do.
    private static let ctaTable: (bytes: [UInt8], offsets: [Int], byFirst: [UInt32]) = {
        let phrases = ctaAnywhere.map { Array($0.utf8) }.sorted { $0[0] < $1[0] }
        var bytes: [UInt8] = []
        var offsets = [0]
        var byFirst = [UInt32](repeating: 0, count: 256)
        for (k, phrase) in phrases.enumerated() {
            if byFirst[Int(phrase[0])] & 0xFF == 0 { byFirst[Int(phrase[0])] = UInt32(k) << 8 }
            byFirst[Int(phrase[0])] += 1
            bytes += phrase
            offsets.append(bytes.count)
        }
        return (bytes, offsets, byFirst)
    }()

    static let ctaAnywhere = [
        "skip to main content", "skip to content", "advertisement", "sponsored content", "sign up", "subscribe",
        "newsletter", "download the", "get the app", "our app", "learn more", "read more", "see more", "show more",
        "click here", "tap here", "follow us", "share this", "share on", "share article", "comments",
        "post a comment", "community guidelines", "privacy policy", "privacy:", "cookie", "terms of use",
        "terms of service", "do not sell", "your inbox", "sent right to", "log in", "sign in", "create an account",
        "get more with", "personalised news feed", "personalized news feed", "recommended for you", "most read",
        "most popular", "trending now", "related articles", "related stories", "more from", "you may also like",
        "don't miss", "watch live", "listen to this article", "minute read", "min read", "back to top",
        "join the", "report an error", "print this", "email this", "interest-based advertising",
    ]

    private static let ctaShort = [
        "top", "home", "menu", "search", "share", "tweet", "email", "print", "comment", "comments", "more",
        "next", "previous", "close", "video", "audio", "live", "opinion", "latest", "related",
    ]

    /// A paragraph that reads as running text: enough words, sentence punctuation, and function words.
    static func isProse(_ line: String, words: [Substring]) -> Bool {
        guard words.count >= 8 else { return false }
        let ends = endsSentence(line)
        let stop = words.reduce(0) { $0 + (Stopwords.isEnglish($1) ? 1 : 0) }
        return isProse(wordCount: words.count, stopWords: stop, endsSentence: ends)
    }

    /// The prose rule on a line's counts: its words, how many are `Stopwords.english`, and whether its
    /// last character is a sentence end.
    static func isProse(wordCount: Int, stopWords: Int, endsSentence: Bool) -> Bool {
        guard wordCount >= 8 else { return false }
        let density = Double(stopWords) / Double(wordCount)
        if endsSentence { return density >= 0.12 || wordCount >= 25 }
        // Long running text that merely lacks a final stop (a truncated scrape) still counts.
        return wordCount >= 25 && density >= 0.2
    }

    /// Does the line end as a sentence does (`.`, `!`, `?`, a closing quote …)?
    static func endsSentence(_ line: String) -> Bool { line.last.map { sentenceEnds.contains($0) } ?? false }

    /// Closing quotes of other languages too: German closes with `“` and `‘` („so“), and guillemets close
    /// either way (`»so«`, `«so»`).
    private static let sentenceEnds: Set<Character> = [".", "!", "?", "\"", "”", "’", "'", "…", ":", ")", "“", "‘", "«", "»"]
}

enum Stopwords {
    /// `english.contains(word.lowercased())`. A word with a byte beyond ASCII is none: the only non-ASCII
    /// letter that lowercases into ASCII is the Kelvin sign (to `k`), and no stop word has a `k`.
    static func isEnglish(_ word: Substring) -> Bool {
        var word = word
        return word.withUTF8 { isEnglish($0) }
    }

    /// `isEnglish` over a word's UTF-8 bytes.
    @inline(__always)
    static func isEnglish(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= longestEnglish, bytes.allSatisfy({ $0 < 0x80 }), let key = ShortKey(bytes) else { return false }
        return englishKeys[key] != nil
    }

    private static let englishKeys = ShortKeyTable(english.map { ($0, ()) })
    /// No longer word is a stop word: it is not looked up.
    private static let longestEnglish = english.map(\.utf8.count).max()!

    /// Common English function words: their density separates running text from furniture.
    static let english: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did",
        "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have",
        "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into",
        "is", "it", "its", "itself", "just", "may", "me", "might", "more", "most", "must", "my", "myself", "no", "nor",
        "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "said",
        "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then",
        "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was",
        "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would",
        "you", "your", "yours", "yet", "says", "told", "according",
    ]
}
