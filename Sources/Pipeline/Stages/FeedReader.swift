import Foundation

/// RSS 2.0 (and 1.0/RDF) and Atom feeds: each entry becomes an article. Categories become the
/// article's explicit tags; `content:encoded` or Atom `content` is the body, else the summary.
/// A bad date in one entry costs that entry its date, not its place.
public enum FeedReader {
    public static func entries(_ bytes: [UInt8], modified: Date?) throws(PipelineError) -> [Result<ParsedArticle, PipelineError>] {
        let declared = HTMLReader.xmlDeclaredEncoding(String(decoding: bytes.prefix(200), as: UTF8.self).lowercased())
        let decoded = try TextDecoding.decode(bytes, declared: declared)
        guard let doc = MarkupDocument.xml(Array(decoded.text.utf8)), let root = doc.root else {
            throw .corrupt("feed: not well-formed XML")
        }
        var feedTitle: String?
        var feedLink: String?
        var items: [MarkupNode] = []
        switch root.name.lowercased() {
        case "rss":
            guard let channel = root.first("channel") else { throw .corrupt("RSS: no <channel>") }
            feedTitle = channel.first("title")?.text
            feedLink = channel.first("link")?.text
            items = channel.all("item")
        case "rdf":
            feedTitle = root.first("channel")?.first("title")?.text
            feedLink = root.first("channel")?.first("link")?.text
            items = root.all("item")
        case "feed":
            feedTitle = root.first("title")?.text
            feedLink = link(of: root)
            items = root.all("entry")
        default:
            throw .unsupportedFormat("XML with root element <\(root.name)>")
        }
        guard !items.isEmpty else { throw .noEntries }
        let source = feedTitle.flatMap { $0.isEmpty ? nil : $0 } ?? feedLink.flatMap(Publishers.name(forURL:))

        let fields = items.map { item in
            root.name.lowercased() == "feed" ? atomEntry(item, modified: modified) : rssItem(item, modified: modified)
        }
        // Lines every entry of this feed repeats (a newsletter prompt under each story) are the feed's furniture.
        let known = KnownBoilerplate.learn(from: fields.map { ArticleFields.paragraphs($0.body ?? $0.summary ?? "") })
        return fields.map { entry in
            var entry = entry
            if entry.source == nil { entry.source = source }
            return Result { () throws(PipelineError) in try entry.article(knownBoilerplate: known) }
        }
    }

    private static func rssItem(_ item: MarkupNode, modified: Date?) -> ArticleFields {
        var fields = ArticleFields([:], relativeTo: nil)
        var categories: [String] = []
        for child in item.elementChildren {
            let text = child.text
            switch child.name {
            case "title": fields.title = text
            case "link": if fields.url == nil { fields.url = text }
            case "guid":
                if fields.url == nil, child.attribute("ispermalink")?.lowercased() != "false", text.hasPrefix("http") { fields.url = text }
            case "pubDate", "date", "issued", "published":
                if fields.published == nil { fields.published = DateParsing.find(in: text) ?? DateParsing.relative(text, now: modified) }
            case "author", "creator":
                if fields.byline == nil { fields.byline = ArticleFields.cleanByline(authorName(text)) }
            case "category", "subject":
                if !text.isEmpty { categories.append(text) }
            case "description":
                fields.summary = rawText(child)
            case "encoded":
                fields.body = rawText(child)
            case "source":
                if !text.isEmpty { fields.source = text }
            default: break
            }
        }
        fields.tags = categories
        return fields
    }

    private static func atomEntry(_ entry: MarkupNode, modified: Date?) -> ArticleFields {
        var fields = ArticleFields([:], relativeTo: nil)
        var categories: [String] = []
        var updated: PublishedTime?
        for child in entry.elementChildren {
            switch child.name {
            case "title": fields.title = child.text
            case "link":
                let rel = child.attribute("rel") ?? "alternate"
                if rel == "alternate", fields.url == nil { fields.url = child.attribute("href") }
            case "published": fields.published = DateParsing.find(in: child.text)
            case "updated": updated = DateParsing.find(in: child.text)
            case "author":
                if fields.byline == nil, let name = child.first("name")?.text, !name.isEmpty { fields.byline = name }
            case "category":
                if let term = child.attribute("label") ?? child.attribute("term"), !term.isEmpty { categories.append(term) }
            case "summary": fields.summary = atomText(child)
            case "content": fields.body = atomText(child)
            case "source":
                if let t = child.first("title")?.text, !t.isEmpty { fields.source = t }
            default: break
            }
        }
        if fields.published == nil { fields.published = updated }
        fields.tags = categories
        return fields
    }

    /// RSS text elements carry escaped HTML (or CDATA): the characters as they are, markup read later.
    private static func rawText(_ node: MarkupNode) -> String {
        node.children.map { $0.isText ? $0.content : "" }.joined().trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Atom `type="xhtml"` content is inline markup: its text, paragraph by paragraph.
    private static func atomText(_ node: MarkupNode) -> String {
        if node.attribute("type")?.lowercased() == "xhtml" {
            let blocks = HTMLBlocks.collect(node).blocks.map(\.text)
            return blocks.joined(separator: "\n")
        }
        return rawText(node)
    }

    private static func link(of root: MarkupNode) -> String? {
        root.all("link").first { ($0.attribute("rel") ?? "alternate") == "alternate" }?.attribute("href")
    }

    /// RSS `author` is often "jane@example.com (Jane Doe)".
    private static func authorName(_ text: String) -> String {
        if let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close, text.contains("@") {
            return String(text[text.index(after: open)..<close])
        }
        return text
    }
}
