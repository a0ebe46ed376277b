import CXML2
import Foundation

/// RSS 2.0 (and 1.0/RDF) and Atom feeds: each entry becomes an article. Categories become the
/// article's explicit tags; `content:encoded` or Atom `content` is the body, else the summary.
/// A bad date in one entry costs that entry its date, not its place.
public enum FeedReader {
    /// Every entry of a feed held whole in memory (the charset settled first, as for any file).
    public static func entries(_ bytes: [UInt8], modified: Date?) throws(PipelineError) -> [Result<ParsedArticle, PipelineError>] {
        let declared = HTMLReader.xmlDeclaredEncoding(String(decoding: bytes.prefix(200), as: UTF8.self).lowercased())
        let decoded = try TextDecoding.decode(bytes, declared: declared)
        var fields: [Result<ArticleFields, PipelineError>] = []
        var utf8: [UInt8]? = Array(decoded.text.utf8)
        do {
            try read(pull: { defer { utf8 = nil }; return utf8 }, encoding: "UTF-8", modified: modified) { _, entry in
                fields.append(entry)
                return true
            }
        } catch {
            // A feed cut short still gives the entries before the break.
            if fields.isEmpty { throw error }
        }
        return ArticleFields.articles(fields)
    }

    /// The encoding libxml2 should read a streamed feed in, judged from its first bytes as `TextDecoding`
    /// judges a whole file: a declared Latin-1 whose bytes are multi-byte UTF-8 is UTF-8, undeclared or
    /// declared UTF-8 that is not valid UTF-8 is Windows-1252; nil: as the document says.
    public static func streamEncoding(head: ArraySlice<UInt8>) -> String? {
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) { return nil }
        let declared = HTMLReader.xmlDeclaredEncoding(String(decoding: head.prefix(200), as: UTF8.self).lowercased())
        // The head may end inside a character.
        var sample = head
        var cut = 0
        while cut < 3, let last = sample.last, last >= 0x80 { sample = sample.dropLast(); cut += 1 }
        let valid = String(validating: sample, as: UTF8.self) != nil
        switch declared.flatMap(TextEncodingUsed.init(label:)) {
        case .windows1252?: return TextDecoding.hasMultibyteUTF8(sample) ? "UTF-8" : nil
        case .utf8?, nil: return valid ? "UTF-8" : "windows-1252"
        default: return nil
        }
    }

    /// Reads a feed entry by entry with libxml2's streaming reader: `pull` gives the next bytes (nil or
    /// empty at the end), and only the entry being read is ever held as a tree. Each entry goes to `emit`
    /// with its 1-based position, as fields or as the reason it failed; `emit` returns false to stop.
    /// Throws when the file as a whole fails: not a feed, not well-formed, or cut off (the entries before
    /// the break were emitted). `encoding`: as `streamEncoding`, or "UTF-8" for text decoded already.
    static func read(
        pull: @escaping () -> [UInt8]?, encoding: String?, modified: Date?,
        emit: (Int, Result<ArticleFields, PipelineError>) -> Bool
    ) throws(PipelineError) {
        let input = PullInput(pull)
        var options = XML_PARSE_RECOVER.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue
        if encoding == "UTF-8" { options |= XML_PARSE_IGNORE_ENC.rawValue }
        let context = Unmanaged.passRetained(input)
        defer { context.release() }
        guard let reader = xmlReaderForIO(PullInput.callback, nil, context.toOpaque(), nil, encoding, Int32(options)) else {
            throw .corrupt("feed: the XML reader could not start")
        }
        defer { xmlFreeTextReader(reader) }

        var root: String?
        var rootClosed = false
        var source: String?
        var feedLink: String?
        var index = 0
        var held: (Int, ArticleFields)?
        var status = xmlTextReaderRead(reader)
        while status == 1 {
            let type = xmlTextReaderNodeType(reader)
            let depth = xmlTextReaderDepth(reader)
            if type == 1 {
                let name = xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
                guard let rootName = root else {
                    root = name.lowercased()
                    guard ["rss", "rdf", "feed"].contains(root!) else { throw .unsupportedFormat("XML with root element <\(name)>") }
                    if xmlTextReaderIsEmptyElement(reader) == 1 { rootClosed = true }
                    status = xmlTextReaderRead(reader)
                    continue
                }
                let atom = rootName == "feed"
                let isEntry = atom ? (name == "entry" && depth == 1) : (name == "item" && (depth == 2 || (rootName == "rdf" && depth == 1)))
                // The feed's own title and link: <rss><channel><title>, <rdf:RDF><channel><title>, <feed><title>.
                let isFeedField = (name == "title" || name == "link") && depth == (atom ? 1 : 2)
                if isEntry || isFeedField {
                    index += isEntry ? 1 : 0
                    // Once the parser has met the break in a cut-off file the reader stops expanding, but an
                    // element that something follows was parsed whole.
                    var expanded = xmlTextReaderExpand(reader)
                    if expanded == nil, let current = xmlTextReaderCurrentNode(reader), MarkupNode.hasElementAfter(current) { expanded = current }
                    guard let node = expanded else {
                        if let (heldIndex, heldFields) = held { _ = emit(heldIndex, .success(heldFields)) }
                        if isEntry { _ = emit(index, .failure(.corrupt("feed: the file ends inside this entry (truncated)"))) }
                        throw .corrupt("feed: the file ends inside entry \(index) (truncated)")
                    }
                    let element = MarkupNode(ptr: node)
                    if isEntry {
                        var fields = atom ? atomEntry(element, modified: modified) : rssItem(element, modified: modified)
                        if fields.source == nil { fields.source = source ?? feedLink.flatMap(Publishers.name(forURL:)) }
                        // The recovering parser closes an element the file cuts off: an entry is given out only
                        // once the next one starts or the feed ends well.
                        if let (heldIndex, heldFields) = held, !emit(heldIndex, .success(heldFields)) { return }
                        held = (index, fields)
                        status = xmlTextReaderNext(reader)
                        continue
                    } else if name == "title" {
                        if source == nil, case let text = element.text, !text.isEmpty { source = text }
                    } else if feedLink == nil {
                        feedLink = atom ? ((element.attribute("rel") ?? "alternate") == "alternate" ? element.attribute("href") : nil) : element.text
                    }
                    status = xmlTextReaderNext(reader)
                    continue
                }
            } else if type == 15 && depth == 0 {
                rootClosed = true
            }
            status = xmlTextReaderRead(reader)
        }
        if let (heldIndex, heldFields) = held {
            if status == 0 && rootClosed {
                _ = emit(heldIndex, .success(heldFields))
            } else {
                let cut = input.atEnd()
                _ = emit(heldIndex, .failure(.corrupt(cut ? "feed: the file ends inside this entry (truncated)" : "feed: not well-formed XML in or after this entry")))
                throw .corrupt(cut ? "feed: the file ends inside entry \(heldIndex) (truncated)" : "feed: not well-formed XML after entry \(heldIndex - 1)")
            }
        }
        if status < 0, input.atEnd(), root != nil, !rootClosed {
            throw .corrupt("feed: the file ends early, after entry \(index) (truncated)")
        }
        if status < 0 || root == nil {
            let line = xmlTextReaderGetParserLineNumber(reader)
            throw .corrupt(index == 0 ? "feed: not well-formed XML (line \(line))" : "feed: not well-formed XML after entry \(index) (line \(line))")
        }
        if !rootClosed { throw .corrupt("feed: the file ends early, after entry \(index) (truncated)") }
        if index == 0 { throw .noEntries }
    }

    /// The bytes libxml2's reader asks for, from a pull closure.
    private final class PullInput {
        let pull: () -> [UInt8]?
        var pending: [UInt8] = []
        var offset = 0
        /// Bytes handed to libxml2 so far.
        private(set) var delivered = 0
        /// The pull said the stream ended.
        private(set) var exhausted = false

        init(_ pull: @escaping () -> [UInt8]?) { self.pull = pull }

        /// True when no byte is left: what libxml2 stopped at was the end of the file.
        func atEnd() -> Bool {
            if exhausted { return true }
            if offset < pending.count { return false }
            guard let next = pull(), !next.isEmpty else { return true }
            pending = next
            offset = 0
            return false
        }

        static let callback: xmlInputReadCallback = { context, buffer, length in
            guard let context, let buffer, length > 0 else { return -1 }
            let input = Unmanaged<PullInput>.fromOpaque(context).takeUnretainedValue()
            while input.offset >= input.pending.count {
                guard let next = input.pull(), !next.isEmpty else {
                    input.exhausted = true
                    return 0
                }
                input.pending = next
                input.offset = 0
            }
            let count = min(Int(length), input.pending.count - input.offset)
            input.pending.withUnsafeBufferPointer { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + input.offset, byteCount: count)
            }
            input.offset += count
            input.delivered += count
            return Int32(count)
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

extension MarkupNode {
    /// Whether an element follows `node` among its siblings (so the parser went past its end).
    static func hasElementAfter(_ node: xmlNodePtr) -> Bool {
        var next = node.pointee.next
        while let sibling = next {
            if sibling.pointee.type == XML_ELEMENT_NODE { return true }
            next = sibling.pointee.next
        }
        return false
    }
}
