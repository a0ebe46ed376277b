import Foundation

/// Reads a plain-text copy of a news page (what a browser's "select all, copy" gives) into an article.
///
/// The page is read as lines. The body is the run of prose that starts at the first prose paragraph
/// after a headline and stops at the page's footer (a copyright line, or an author's sign-off);
/// furniture inside it (captions, ads, prompts) is dropped. The title is the nearest headline-like
/// line above the body. Dates are only taken from the header, a labelled field, or the byline line,
/// so that years mentioned in the story are never mistaken for its date.
public enum PlainTextParser {
    /// `modified` (when the file was saved) resolves "2 hours ago"; `knownBoilerplate` lines are never body.
    public static func parse(
        _ text: String, modified: Date? = nil, knownBoilerplate: KnownBoilerplate = .none
    ) throws(PipelineError) -> ParsedArticle {
        let rawLines = TextSearch.lines(text)
        let lines = rawLines.map { Line(text: TextSearch.trimmingWhitespace($0), kind: LineClassifier.classify($0)) }

        guard let bodyStart = lines.firstIndex(where: { $0.kind == .prose }) else { throw .noBody }

        var article = ParsedArticle(title: "", paragraphs: [])
        let header = lines[..<bodyStart]
        let (titleIndex, headerByline) = findTitle(in: header)

        // Header: fields, byline line, bullets under the title, the first date.
        var bullets: [String] = []
        for (index, line) in header.enumerated() {
            switch line.kind {
            case .field(let label, let value):
                apply(field: label, value: value, to: &article)
            case .byline(let rest):
                let (name, date) = splitByline(rest)
                if article.byline == nil, let name { article.byline = name }
                if article.published == nil, let date { article.published = date }
            case .bullet(let text) where titleIndex.map({ index > $0 }) ?? true:
                bullets.append(text)
            case .url(let url) where article.url == nil:
                article.url = url
            case .short, .label:
                if article.published == nil, index > (titleIndex ?? -1),
                    let date = DateParsing.find(in: line.text) ?? DateParsing.relative(line.text, now: modified)
                {
                    article.published = date
                }
            default:
                break
            }
        }
        if article.byline == nil { article.byline = headerByline }
        if !bullets.isEmpty { article.summary = bullets.joined(separator: "\n") }

        let (paragraphs, bodyEnd, signature) = body(lines, from: bodyStart, known: knownBoilerplate)
        article.paragraphs = paragraphs
        if article.byline == nil { article.byline = signature }
        guard !paragraphs.isEmpty else { throw .noBody }

        if let titleIndex {
            article.title = lines[titleIndex].text
        } else {
            article.title = firstSentence(of: paragraphs[0])
        }

        // Footer: labelled fields and the copyright holder, which names the publisher.
        var copyrightHolder: String?
        for line in lines[bodyEnd...] {
            switch line.kind {
            case .field(let label, let value): apply(field: label, value: value, to: &article, footer: true)
            case .copyright where copyrightHolder == nil: copyrightHolder = holder(ofCopyright: line.text)
            case .url(let url) where article.url == nil: article.url = url
            default: break
            }
        }
        if article.source == nil, let url = article.url { article.source = Publishers.name(forURL: url) }
        if article.source == nil, let holder = copyrightHolder { article.source = holder }
        if article.source == nil { article.source = Publishers.name(markedIn: lines.lazy.map(\.text)) }
        if article.source == nil { article.source = datelineAgency(paragraphs[0]) }
        return article
    }

    struct Line {
        var text: String
        var kind: LineKind
    }

    private static func apply(field: FieldLabel, value: String, to article: inout ParsedArticle, footer: Bool = false) {
        switch field {
        case .tags:
            if article.explicitTags.isEmpty { article.explicitTags = splitTags(value) }
        case .source:
            if article.source == nil { article.source = value }
        case .url:
            if article.url == nil { article.url = value }
        case .published:
            if article.published == nil { article.published = DateParsing.find(in: value) }
        }
    }

    /// `u.s. | china`, `u.s., china`, `u.s.; china`: the separator is whichever the line uses.
    static func splitTags(_ value: String) -> [String] {
        let separators: [Character] = ["|", ";", ","]
        let separator = separators.first(where: value.contains) ?? ","
        return value.split(separator: separator).map { TextSearch.trimmingWhitespace($0) }.filter { !$0.isEmpty }
    }

    /// `By Jane Doe | Friday, 26 January 2024 11:12 AM EST` → name and date; either may be missing.
    private static func splitByline(_ rest: String) -> (String?, PublishedTime?) {
        let parts = rest.split(whereSeparator: { $0 == "|" || $0 == "•" || $0 == "·" })
            .map { TextSearch.trimmingWhitespace($0) }
        var name: String?
        var date: PublishedTime?
        for part in parts where !part.isEmpty {
            if let found = DateParsing.find(in: part) {
                if date == nil { date = found }
            } else if name == nil {
                name = part
            }
        }
        return (name?.isEmpty == true ? nil : name, date)
    }

    /// The nearest headline-like line above the body. A person's name directly above the body is a byline.
    private static func findTitle(in header: ArraySlice<Line>) -> (Int?, String?) {
        var byline: String?
        for index in header.indices.reversed() {
            let line = header[index]
            guard line.kind == .short else { continue }
            if DateParsing.find(in: line.text) != nil { continue }
            // "2 hours ago" is a date line whatever the file's time: never a title.
            if DateParsing.relative(line.text, now: Date(timeIntervalSince1970: 0)) != nil { continue }
            if byline == nil, isPersonName(line.text) {
                byline = line.text
                continue
            }
            let words = TextSearch.words(line.text).count
            if words >= 3 && words <= 30 && line.text.count <= 250 { return (index, byline) }
        }
        return (nil, byline)
    }

    /// The body runs from `start` until the footer. Returns the paragraphs, where the footer starts,
    /// and the author's sign-off if the body ended on one.
    private static func body(_ lines: [Line], from start: Int, known: KnownBoilerplate) -> ([String], Int, String?) {
        var paragraphs: [String] = []
        var seen = Set<String>()
        var pendingShort: [String] = []
        var signature: String?
        var index = start
        scan: while index < lines.count {
            let line = lines[index]
            switch line.kind {
            case .copyright:
                break scan
            case .prose where known.contains(line.text):
                pendingShort.removeAll()
            case .prose:
                // A repeated paragraph (pull quotes, teaser blocks) is kept once.
                if seen.insert(line.text).inserted {
                    paragraphs.append(contentsOf: pendingShort)
                    paragraphs.append(line.text)
                }
                pendingShort.removeAll()
            case .short where known.contains(line.text):
                break
            case .short where isPersonName(line.text) && isSignOff(lines, nameAt: index):
                signature = line.text
                break scan
            case .short:
                // Subheadings are kept only when prose follows them.
                pendingShort.append(line.text)
            case .blank:
                break
            default:
                // Furniture inside the body is dropped; a run of it after the last prose is the footer.
                pendingShort.removeAll()
            }
            index += 1
        }
        return (paragraphs, index, signature)
    }

    /// A name line ends the article when the next text is the author's bio, the copyright, or nothing.
    private static func isSignOff(_ lines: [Line], nameAt index: Int) -> Bool {
        let name = lines[index].text
        var next = index + 1
        while next < lines.count, lines[next].kind == .blank { next += 1 }
        guard next < lines.count else { return true }
        let following = lines[next]
        if following.kind == .copyright { return true }
        return following.text.hasPrefix(name + " ")
    }

    /// Two to four capitalised words, no digits, no function words: "Sandy Fitzgerald", "Mary-Jane O'Neil".
    static func isPersonName(_ text: String) -> Bool {
        let words = text.split(separator: " ")
        guard (2...4).contains(words.count), text.count <= 60 else { return false }
        for word in words {
            guard let first = word.first, first.isUppercase else { return false }
            if Stopwords.english.contains(word.lowercased()) { return false }
            if !word.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "'" || $0 == "’" || $0 == "." }) { return false }
        }
        return true
    }

    static func firstSentence(of paragraph: String) -> String {
        let end = paragraph.firstIndex(where: { $0 == "." || $0 == "!" || $0 == "?" }) ?? paragraph.endIndex
        let sentence = String(paragraph[..<end])
        return sentence.count > 160 ? String(sentence.prefix(157)) + "…" : sentence
    }

    /// The agency a wire story's dateline names: "BEIJING (Reuters) - …", "WASHINGTON, Jan 26 (AP) — …".
    static func datelineAgency(_ paragraph: String) -> String? {
        let head = paragraph.prefix(90)
        guard let open = head.firstIndex(of: "("), let close = head[open...].firstIndex(of: ")") else { return nil }
        let place = head[..<open].trimmingCharacters(in: .whitespaces)
        let after = head[head.index(after: close)...].trimmingCharacters(in: .whitespaces)
        guard !place.isEmpty, let dash = after.first, dash == "-" || dash == "—" || dash == "–",
            let firstWord = place.split(separator: " ").first, firstWord.count >= 2,
            firstWord == firstWord.uppercased(), firstWord.contains(where: \.isLetter)
        else { return nil }
        let name = head[head.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
        guard (2...40).contains(name.count), name.first?.isUppercase == true, !name.contains(where: \.isNumber) else { return nil }
        return name
    }

    /// "© 2026 Newsmax. All rights reserved." → "Newsmax".
    static func holder(ofCopyright line: String) -> String? {
        var text = line
        // In text that is ASCII but for the safe separators (no combining marks), a marker whose bytes are
        // absent cannot be found by Foundation's search either: the call is skipped.
        var copy = line
        let safe = copy.withUTF8 { ByteLine.isSafe($0) }
        for marker in ["©", "(c)", "(C)", "Copyright", "copyright"] {
            // Foundation's replace, or — for safe text, where a match is a match of bytes — the same over the bytes.
            if !safe {
                text = text.replacingOccurrences(of: marker, with: " ")
            } else if TextSearch.contains(text, marker) {
                text = TextSearch.replacingAll(marker, in: text, with: " ")
            }
        }
        if let range = text.range(of: "all rights reserved", options: .caseInsensitive) {
            text = String(text[..<range.lowerBound])
        }
        let words = text.split(separator: " ").filter { word in
            !(word.allSatisfy { $0.isNumber || $0 == "-" || $0 == "–" || $0 == "," })
        }
        var name = ArticleFields.trimmingWhitespaceAndNewlines(words.joined(separator: " "))
        while let last = name.last, last == "." || last == "," || last == ";" || last == "|" { name.removeLast() }
        name = TextSearch.trimmingWhitespace(name)
        return name.isEmpty || name.count > 80 ? nil : name
    }
}
