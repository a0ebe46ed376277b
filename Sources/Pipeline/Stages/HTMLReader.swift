import CXML2
import Foundation

/// Reads a saved news page (HTML) into an article.
///
/// Metadata comes from what the page declares for machines — JSON-LD `NewsArticle`, OpenGraph and
/// `article:` meta tags, `<link rel=canonical>`, `<title>` — with the visible page as a fallback. The body
/// is found by content density, in the spirit of readability and trafilatura: furniture announced by tag,
/// role or class is pruned, every paragraph scores its container by its length and commas, the container
/// whose text is least made of links wins, and within it each block is judged by the same line features
/// as plain text (link density, call-to-action vocabulary, captions, copyright).
public enum HTMLReader {
    public static func read(_ bytes: [UInt8], modified: Date? = nil, knownBoilerplate: KnownBoilerplate = .none)
        throws(PipelineError) -> (ParsedArticle, TextEncodingUsed)
    {
        let decoded = try TextDecoding.decodeKeepingUTF8(bytes, declared: declaredCharset(bytes))
        let document: MarkupDocument?
        let encoding: TextEncodingUsed
        // UTF-8 pages are parsed from their own bytes, with no string made of the page.
        switch decoded {
        case .utf8(let body):
            document = body.withUnsafeBufferPointer(MarkupDocument.htmlForReader)
            encoding = .utf8
        case .text(let text):
            var utf8 = text.text
            document = utf8.withUTF8(MarkupDocument.htmlForReader)
            encoding = text.encoding
        }
        guard let doc = document, let root = doc.root else {
            throw .corrupt("HTML: nothing could be parsed")
        }
        let meta = Metadata(root, modified: modified)
        let blocks = HTMLBlocks.collect(root, pruning: true)
        var paragraphs = mainText(blocks, title: meta.title, knownBoilerplate: knownBoilerplate)
        // Some pages render the story by script and ship it only in JSON-LD.
        if let ldBody = meta.structured?.body {
            let ld = ArticleFields.paragraphs(ldBody)
            if ld.joined().count > 2 * paragraphs.joined().count { paragraphs = ld }
        }
        guard !paragraphs.isEmpty else { throw .noBody }
        var article = ParsedArticle(title: "", paragraphs: paragraphs)
        article.title = meta.title ?? PlainTextParser.firstSentence(of: paragraphs[0])
        article.url = meta.url
        article.source = meta.source ?? meta.url.flatMap(Publishers.name(forURL:))
        article.published = meta.published
        article.byline = meta.byline
        article.explicitTags = meta.tags
        article.summary = meta.summary
        return (article, encoding)
    }

    // MARK: - Character set

    /// The charset a page declares in its first 4 KiB: `<meta charset=…>` or `<meta http-equiv content="…; charset=…">`,
    /// found the way the HTML standard's prescan does (bytes, not a parse), since parsing needs the charset first.
    static func declaredCharset(_ bytes: [UInt8]) -> String? {
        let head = TextSearch.asciiLowercased(bytes.prefix(4096))
        guard let at = TextSearch.firstIndex(of: "charset=", in: head) else {
            // XML declaration of XHTML: <?xml version="1.0" encoding="…"?>
            return xmlDeclaredEncoding(String(decoding: head.prefix(200), as: UTF8.self))
        }
        let rest = head[(at + 8)...].drop(while: { $0 == 0x22 || $0 == 0x27 || $0 == 0x20 })
        let value = rest.prefix(while: { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x3A || b == 0x2E
        })
        return value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
    }

    static func xmlDeclaredEncoding(_ lowerHead: String) -> String? {
        guard lowerHead.hasPrefix("<?xml"), let end = lowerHead.range(of: "?>"),
            let enc = lowerHead[..<end.lowerBound].range(of: "encoding=")
        else { return nil }
        let rest = lowerHead[enc.upperBound...].drop(while: { $0 == "\"" || $0 == "'" })
        let value = rest.prefix(while: { $0 != "\"" && $0 != "'" && $0 != " " && $0 != "?" })
        return value.isEmpty ? nil : String(value)
    }

    // MARK: - Main text

    static func mainText(_ page: HTMLBlocks, title: String?, knownBoilerplate: KnownBoilerplate) -> [String] {
        let elements = page.elements
        var score = [Double](repeating: 0, count: elements.count)
        var chars = [Int](repeating: 0, count: elements.count)
        var linkChars = [Int](repeating: 0, count: elements.count)
        // Points of every paragraph under each element, however deep.
        var total = [Double](repeating: 0, count: elements.count)

        for block in page.blocks {
            var e = block.element
            while e >= 0 {
                chars[e] += block.rawChars
                linkChars[e] += block.linkChars
                e = elements[e].parent
            }
            guard block.characters >= 25, block.linkDensity < 0.5, !block.tag.isHeading else { continue }
            let points = 1 + Double(block.commas) + min(Double(block.characters) / 100, 3)
            var up = block.element
            while up >= 0 {
                total[up] += points
                up = elements[up].parent
            }
            // The paragraph's container gets the points; its parent half; further up, less.
            var container = isParagraphTag(block.tag) ? elements[block.element].parent : block.element
            var share = 1.0
            var level = 0
            while container > 0, level < 4 {
                score[container] += points * share
                level += 1
                share = level == 1 ? 0.5 : 1.0 / Double(level * 3)
                container = elements[container].parent
            }
        }

        var best = -1
        var bestScore = 0.0
        var final = [Double](repeating: 0, count: elements.count)
        for index in elements.indices where score[index] > 0 {
            let density = chars[index] == 0 ? 0 : Double(linkChars[index]) / Double(chars[index])
            var weight = 1.0
            if elements[index].positive { weight += 0.25 }
            if elements[index].tag == .article || elements[index].tag == .main { weight += 0.25 }
            final[index] = score[index] * weight * (1 - density)
            if final[index] > bestScore {
                bestScore = final[index]
                best = index
            }
        }

        var region: Set<Int> = []
        if best > 0 {
            // A list is a part of a story, not a story: when its items won, the element around it holds the
            // sentences that lead into it and follow it.
            let around = elements[best].parent
            if elements[best].tag.isList, around > 0, elements[around].tag != .body, elements[around].tag != .html,
               Double(linkChars[around]) < climbLinkDensity * Double(max(chars[around], 1))
            {
                best = around
            }
            // A story spread over several boxes (one per paragraph or section, as page builders make them):
            // the box's ancestor holds the rest when it has much more paragraph text than the box and few links.
            // Wrappers that hold nothing more (one box inside another) are passed through.
            var climbed = 0
            climbing: while climbed < maxClimb {
                var up = elements[best].parent
                var below = best
                var steps = 0
                while up > 0, steps < maxWrappers, elements[up].tag != .body, elements[up].tag != .html,
                      Double(linkChars[up]) < climbLinkDensity * Double(max(chars[up], 1))
                {
                    // Much more than the box, or the half of the page's paragraphs the box lacks.
                    if total[up] >= climbRatio * total[best]
                        || (total[best] < 0.5 * total[0] && total[up] >= 0.5 * total[0])
                    {
                        best = up
                        climbed += 1
                        continue climbing
                    }
                    // A wrapper that holds no more paragraphs than the box below it is passed through free:
                    // builders nest a paragraph ten boxes deep (section, container, row, column, widget …).
                    let holdsMore = total[up] > total[below]
                    below = up
                    up = elements[up].parent
                    if holdsMore { steps += 1 }
                }
                break
            }
            region.insert(best)
            // Siblings that score well belong to the same story (a body split by an inline promo box).
            let parent = elements[best].parent
            let threshold = max(10, bestScore * 0.2)
            for index in elements.indices where index != best && elements[index].parent == parent && final[index] >= threshold {
                region.insert(index)
            }
            // The lead of a story in a box of its own before the story's box (a standfirst, an intro above a
            // builder's text box): the boxes just before it, or before the wrappers around it that hold no more
            // paragraphs, that hold paragraph text with few links, back to the first that holds other text or
            // is a list (the summary bullets above a story are no part of it).
            var anchor = best
            while case let up = elements[anchor].parent, up > 0, elements[up].tag != .body, elements[up].tag != .html,
                  total[up] <= total[best]
            {
                anchor = up
            }
            let outer = elements[anchor].parent
            var sibling = anchor - 1
            while sibling > outer {
                defer { sibling -= 1 }
                guard elements[sibling].parent == outer, chars[sibling] > 0 else { continue }
                guard total[sibling] > 0, !elements[sibling].tag.isList,
                      Double(linkChars[sibling]) < climbLinkDensity * Double(chars[sibling]) else { break }
                region.insert(sibling)
            }
        }
        let inRegion: (HTMLBlock) -> Bool = { block in
            region.isEmpty || region.contains { page.isInside(block.element, $0) }
        }

        // Elements whose own text is a run of lines (split by `<br>`: verse, lyrics, a list typed as lines)
        // long enough to be text of its own: their short lines are kept as text.
        var lineCount = [Int](repeating: 0, count: elements.count)
        var lineChars = [Int](repeating: 0, count: elements.count)
        for block in page.blocks where !block.tag.isHeading && block.linkDensity < 0.5 {
            lineCount[block.element] += 1
            lineChars[block.element] += block.characters
        }
        let isLines: (Int) -> Bool = { element in
            lineCount[element] >= minLines && lineChars[element] >= minLineChars
                && Double(linkChars[element]) < 0.2 * Double(max(chars[element], 1))
        }

        // Items of a list whose text is mostly outside links (a list in the story, some of its names linked).
        let isTextListItem: (HTMLBlock) -> Bool = { block in
            let list = elements[block.element].parent
            return block.tag == .li && list > 0 && Double(linkChars[list]) < maxFragmentLinkDensity * Double(max(chars[list], 1))
        }

        let titleKey = title.map(Normalizer.normalize)
        var kept: [(text: String, heading: Bool)] = []
        var seen = SeenTexts()
        // Each block of the region judged; a fragment is text when the nearest judged blocks on both sides
        // are text (a short item of a list, a credit line inside the story), as jusText judges short blocks
        // by their neighbours.
        let judged = page.blocks.filter(inRegion).map { block in
            (block, judge(block, titleKey: titleKey, knownBoilerplate: knownBoilerplate, inLines: isLines(block.element),
                          inTextList: isTextListItem(block)))
        }
        // The verdict of the nearest block after each one that is not a fragment (nil: dropped, or none).
        var after = [Verdict?](repeating: nil, count: judged.count)
        var atEnd = [Bool](repeating: false, count: judged.count)
        var next: Verdict?
        var seenAny = false
        for index in judged.indices.reversed() {
            after[index] = next
            atEnd[index] = !seenAny
            if judged[index].1 != .fragment { next = judged[index].1; seenAny = true }
        }
        var before: Verdict?
        var atStart = true
        for (index, (block, verdict)) in judged.enumerated() {
            defer { if verdict != .fragment { before = verdict; atStart = false } }
            guard var verdict else { continue }
            if verdict == .fragment {
                let textBefore = before == .text || before == .heading
                let textAfter = after[index] == .text
                guard (textBefore && (textAfter || atEnd[index])) || (atStart && textAfter) else { continue }
                verdict = .text
            }
            guard seen.insert(block.text) else { continue }
            kept.append((block.text, verdict == .heading))
        }
        // A heading counts only when text follows it.
        var out: [String] = []
        for (index, entry) in kept.enumerated() {
            if entry.heading {
                let next = kept.index(after: index)
                guard next < kept.endIndex, !kept[next].heading else { continue }
            }
            out.append(entry.text)
        }
        while let last = kept.last, last.heading, out.last == last.text { out.removeLast() }
        return out
    }

    /// Texts already kept, told apart as a `Set<String>` tells them (Unicode canonical equivalence) without hashing
    /// whole paragraphs (a String's hash normalizes text beyond ASCII scalar by scalar): texts are filed by their number
    /// of spaces, which canonical equivalence keeps (no canonical decomposition holds U+0020), and compared with `==`
    /// only to those with as many.
    struct SeenTexts {
        private var bySpaces: [Int: [String]] = [:]

        /// False when an equal text was inserted before.
        mutating func insert(_ text: String) -> Bool {
            var copy = text
            let spaces = copy.withUTF8 { bytes in
                var count = 0
                for b in bytes where b == 0x20 { count += 1 }
                return count
            }
            if let texts = bySpaces[spaces], texts.contains(text) { return false }
            bySpaces[spaces, default: []].append(text)
            return true
        }
    }

    /// The region climbs to an ancestor of the best box at most this many times, when the ancestor holds
    /// this many times its paragraph points with a link density below this, passing through at most
    /// `maxWrappers` ancestors that hold more than the one below them but not enough (those that hold no more
    /// are passed through free).
    static let maxClimb = 3
    static let climbRatio = 1.5
    static let climbLinkDensity = 0.2
    static let maxWrappers = 6

    /// A short block with more of its text in links than this is never text, whatever its neighbours (but an
    /// item of a list whose text is mostly outside links, up to 0.5).
    static let maxFragmentLinkDensity = 0.3

    /// A run of lines in one element is text of its own from this many lines and characters on.
    static let minLines = 4
    static let minLineChars = 160

    private static func isParagraphTag(_ tag: HTMLTag) -> Bool {
        switch tag {
        case .p, .li, .blockquote, .pre, .dd, .td, .h2, .h3, .h4, .h5, .h6: return true
        default: return false
        }
    }

    /// Running text judged by its links: a short one with more than 0.35 of it linked is a teaser or a list of
    /// links, unless it is a sentence with 80 bytes or more outside its links (a link inside a sentence: "Es sind
    /// Fälle bekannt, in denen Blogs <a>wegen Lizenzverletzungen abgemahnt</a> wurden.").
    private static func proseByLinks(_ block: HTMLBlock) -> Verdict? {
        guard block.linkDensity > 0.35, block.characters < 200 else { return .text }
        let sentence = block.text.last.map { $0 == "." || $0 == "!" || $0 == "?" } ?? false
        return sentence && block.rawChars - block.linkChars >= minUnlinkedSentenceBytes ? .text : nil
    }

    static let minUnlinkedSentenceBytes = 80

    /// `fragment`: a short block that is text only between text (`mainText` decides).
    enum Verdict { case text, heading, fragment }

    /// Is this block of the chosen region article text? Line features decide, as for plain text.
    /// `inLines`: the block is one line of a run of lines that is text as a whole (`mainText`), so a short
    /// line is text. `inTextList`: the block is an item of a list whose text is mostly outside links.
    static func judge(_ block: HTMLBlock, titleKey: String?, knownBoilerplate: KnownBoilerplate, inLines: Bool = false,
                      inTextList: Bool = false) -> Verdict? {
        let text = block.text
        if block.tag == .h1 { return nil }
        if block.linkDensity > 0.5 { return nil }
        if knownBoilerplate.contains(text) { return nil }
        if let titleKey, text.utf8.count <= 2 * titleKey.utf8.count + 8 {
            // The headline, alone or as the story's part of a title that also names the site ("Site - Headline").
            let key = Normalizer.normalize(text)
            if key == titleKey || (key.utf8.count >= 20 && (titleKey.hasSuffix(key) || titleKey.hasPrefix(key))) { return nil }
        }
        let kind = LineClassifier.classify(Substring(text))
        let heading = block.tag.isHeading
        switch kind {
        case .prose:
            return proseByLinks(block)
        case .callToAction, .copyright, .caption, .url, .blank, .label:
            return nil
        case .field:
            return nil
        case .byline:
            // A sentence that opens with "By" ("By the end of the year, the wall …") is no byline.
            let words = TextSearch.spaceSeparatedCount(text)
            guard words >= 8, let last = text.last, last == "." || last == "!" || last == "?" else { return nil }
            return proseByLinks(block)
        case .bullet, .short:
            let words = TextSearch.spaceSeparatedCount(text)
            if heading {
                // Sentences set as a heading (a pull quote) are text: a subheading does not end in a full stop.
                if words >= 8, let last = text.last, last == "." || last == "!" || last == "…" { return .text }
                return block.characters <= 160 ? .heading : .text
            }
            if inLines, block.linkDensity < 0.2 { return .text }
            if words <= 10 && DateParsing.find(in: text) != nil { return nil }
            // Running text in a language whose function words the prose test does not count: eight words or
            // more that end a sentence are judged by their links as prose is.
            if words >= 8, LineClassifier.endsSentence(text) {
                return proseByLinks(block)
            }
            // An item of a list that is mostly text is judged with its neighbours, however much of it is linked.
            if block.linkDensity > 0.2 { return inTextList ? .fragment : nil }
            // A short sentence in the body ("He declined to comment.") is text; a fragment is furniture.
            if let last = text.last, ".!?\"”’:)“‘«»".contains(last), words >= 3 { return .text }
            if block.tag == .li, words >= 4 { return .text }
            // A paragraph of running words that lacks its final stop (a page cut short) is still text.
            if block.tag == .p, words >= 8, block.linkDensity < 0.1 { return .text }
            return block.linkDensity < maxFragmentLinkDensity ? .fragment : nil
        }
    }

    // MARK: - Metadata

    struct Metadata {
        var title: String?
        var url: String?
        var source: String?
        var published: PublishedTime?
        var byline: String?
        var tags: [String] = []
        var summary: String?
        var structured: ArticleFields?

        init(_ root: MarkupNode, modified: Date?) {
            var metas: [String: [String]] = [:]
            var canonical: String?
            var htmlTitle: String?
            var ldObjects: [[String: Any]] = []
            var h1: String?
            var timeElement: PublishedTime?
            var relAuthor: String?

            // Document order, every element: what the page declares may sit anywhere, furniture included.
            func visit(_ ptr: xmlNodePtr) {
                var child: xmlNodePtr? = ptr
                while let c = child {
                    child = c.pointee.next
                    guard c.pointee.type == XML_ELEMENT_NODE else { continue }
                    let node = MarkupNode(ptr: c)
                    switch HTMLTag(c.pointee.name) {
                    case .meta:
                        let key = (node.attribute("property") ?? node.attribute("name") ?? node.attribute("itemprop") ?? "").lowercased()
                        if !key.isEmpty, let content = node.attribute("content"), !content.isEmpty {
                            metas[key, default: []].append(Markup.collapse(content))
                        }
                        continue
                    case .link:
                        // The first canonical link counts: the `rel` of the others is not read.
                        if canonical == nil, node.withAttribute("rel", Self.namesCanonical) == true { canonical = node.attribute("href") }
                        continue
                    case .title:
                        if htmlTitle == nil { htmlTitle = node.text }
                        continue
                    case .script:
                        if node.withAttribute("type", Self.isJSONLDType) == true {
                            let raw = node.children.map(\.content).joined()
                            if let data = raw.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data) {
                                ldObjects.append(contentsOf: Self.flattenLD(json))
                            }
                        }
                        continue
                    case .h1:
                        if h1 == nil { h1 = node.text }
                    case .time:
                        if timeElement == nil {
                            timeElement = node.attribute("datetime").flatMap { DateParsing.find(in: $0) }
                                ?? DateParsing.find(in: node.text) ?? DateParsing.relative(node.text, now: modified)
                        }
                    case .a:
                        if relAuthor == nil, node.attribute("rel")?.lowercased() == "author" { relAuthor = node.text }
                    default:
                        break
                    }
                    if let first = c.pointee.children { visit(first) }
                }
            }
            visit(root.ptr)

            let articleTypes: Set<String> = [
                "newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "socialmediaposting", "liveblogposting",
            ]
            let ld = ldObjects.first { object in
                Self.types(object).contains(where: articleTypes.contains)
            }
            let fields = ld.map { ArticleFields($0, relativeTo: modified) }
            structured = fields
            func meta(_ keys: String...) -> String? {
                for key in keys { if let v = metas[key]?.first, !v.isEmpty { return v } }
                return nil
            }

            title = fields?.title ?? meta("og:title", "twitter:title", "dc.title", "headline") ?? h1.flatMap { $0.isEmpty ? nil : $0 }
                ?? htmlTitle.map { Self.stripSiteName($0, site: meta("og:site_name")) }
            if let t = title, t.isEmpty { title = nil }
            url = canonical ?? meta("og:url") ?? fields?.url
            source = meta("og:site_name", "application-name", "publisher", "dc.publisher") ?? fields?.source
            published = fields?.published
            for key in ["article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
                        "date", "dc.date", "dc.date.issued", "parsely-pub-date", "sailthru.date", "article.published", "publish-date"]
                where published == nil
            {
                if let value = metas[key]?.first { published = DateParsing.find(in: value) }
            }
            if published == nil { published = timeElement }
            var author = fields?.byline ?? meta("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl")
            if let a = author, a.hasPrefix("http") { author = relAuthor ?? ArticleFields.cleanByline(a) }
            byline = (author ?? relAuthor).map(ArticleFields.cleanByline)
            var tagList = metas["article:tag"] ?? []
            if tagList.isEmpty, let fromLD = fields?.tags, !fromLD.isEmpty { tagList = fromLD }
            if tagList.isEmpty, let words = meta("news_keywords", "keywords") { tagList = PlainTextParser.splitTags(words) }
            tags = tagList
            summary = meta("og:description", "description", "twitter:description") ?? fields?.summary
        }

        /// Does a link's `rel` name it canonical: `String(decoding: rel, as: UTF8.self).lowercased().split(separator: " ")
        /// .contains("canonical")`? Over the bytes of an ASCII value, where a space is a character of its own and only
        /// ASCII letters lower into ASCII (the split made a `Substring` of every word of every `<link>`).
        static func namesCanonical(_ rel: UnsafeBufferPointer<UInt8>) -> Bool {
            guard rel.allSatisfy({ $0 < 0x80 }) else {
                return String(decoding: rel, as: UTF8.self).lowercased().split(separator: " ").contains("canonical")
            }
            let canonical = Array("canonical".utf8)
            var start = 0
            for end in 0...rel.count where end == rel.count || rel[end] == 0x20 {
                if end - start == canonical.count,
                   canonical.indices.allSatisfy({ k in
                       let b = rel[start + k]
                       return b.asciiLowercased == canonical[k]
                   })
                {
                    return true
                }
                start = end + 1
            }
            return false
        }

        /// Is a script's `type` JSON-LD: `String(decoding: type, as: UTF8.self).lowercased().contains("ld+json")`? Over
        /// the bytes of an ASCII value (Foundation's `contains` went through `range(of:)`, some 6 k instructions a script).
        static func isJSONLDType(_ type: UnsafeBufferPointer<UInt8>) -> Bool {
            guard type.allSatisfy({ $0 < 0x80 }) else {
                return String(decoding: type, as: UTF8.self).lowercased().contains("ld+json")
            }
            return TextSearch.firstIndex(of: "ld+json", in: TextSearch.asciiLowercased(type)) != nil
        }

        /// JSON-LD may be one object, a list, or a `@graph`.
        static func flattenLD(_ json: Any) -> [[String: Any]] {
            if let list = json as? [Any] { return list.flatMap(flattenLD) }
            guard let object = json as? [String: Any] else { return [] }
            var out = [object]
            if let graph = object["@graph"] { out += flattenLD(graph) }
            return out
        }

        static func types(_ object: [String: Any]) -> [String] {
            if let t = object["@type"] as? String { return [t.lowercased()] }
            if let t = object["@type"] as? [Any] { return t.compactMap { ($0 as? String)?.lowercased() } }
            return []
        }

        /// "Story headline | Site" → "Story headline" when the tail is the site's name or short.
        static func stripSiteName(_ title: String, site: String?) -> String {
            for separator in [" | ", " - ", " – ", " — ", " :: "] {
                guard let range = title.range(of: separator, options: .backwards) else { continue }
                let tail = title[range.upperBound...]
                let isSite = site.map { tail.lowercased().contains($0.lowercased()) } ?? false
                if isSite || tail.split(separator: " ").count <= 3 { return String(title[..<range.lowerBound]) }
            }
            return title
        }
    }
}
