import CXML2
import CXMLArena
#if canImport(Glibc)
import Glibc
#endif

/// A parsed HTML or XML document from libxml2, freed when this goes away. Used only inside one
/// stage call (never shared across threads), so the raw pointers never outlive it.
final class MarkupDocument {
    private let doc: xmlDocPtr
    /// The attribute values whose tokens the tree holds (`htmlForReader`); the document's `_private` points to them.
    private var attributeValues: AttributeValues?
    /// The arena the tree was made in (`htmlForReader`), given back whole instead of freed node by node.
    private let arena: OpaquePointer?

    private init(_ doc: xmlDocPtr, arena: OpaquePointer? = nil) {
        self.doc = doc
        self.arena = arena
    }

    deinit {
        if let arena { corpusd_xml_arena_release(arena, UnsafeMutableRawPointer(doc)) } else { xmlFreeDoc(doc) }
    }

    private func keep(_ values: AttributeValues?) {
        attributeValues = values
        doc.pointee._private = values.map { UnsafeMutableRawPointer(Unmanaged.passUnretained($0).toOpaque()) }
    }

    var root: MarkupNode? { xmlDocGetRootElement(doc).map(MarkupNode.init) }

    /// HTML with libxml2's error-recovering parser (what browsers do with broken markup, roughly).
    /// `utf8` must already be UTF-8: the charset was settled before, so the page's own hint is ignored.
    static func html(_ utf8: [UInt8]) -> MarkupDocument? {
        utf8.withUnsafeBufferPointer(html)
    }

    private static func html(_ utf8: UnsafeBufferPointer<UInt8>) -> MarkupDocument? {
        guard !utf8.isEmpty, utf8.count < Int32.max else { return nil }
        let doc = utf8.withMemoryRebound(to: CChar.self) { chars in
            htmlReadMemory(chars.baseAddress, Int32(chars.count), nil, "UTF-8", htmlOptions)
        }
        return doc.map { MarkupDocument($0) }
    }

    /// The tree `html` builds, less what the HTML reader never reads: the text of `<script>` and `<style>` elements
    /// (but JSON-LD's) and of comments, cut from the page before the parse (`UnreadMarkup`: a third of a news page's
    /// bytes); the attributes but those the reader reads of their element (`MarkupName.isRead`: half a page's nodes), cut before
    /// the parse too where `UnreadMarkup` can, else left unbuilt; and libxml2's table of ids (for `xmlGetID`, which
    /// nothing here calls). Where `UnreadMarkup` took an attribute value out of the page, the tree holds a token for
    /// it, which `MarkupNode.withValue` (and so `attribute`) reads as the value.
    static func htmlForReader(_ utf8: UnsafeBufferPointer<UInt8>) -> MarkupDocument? {
        guard let cut = UnreadMarkup.cut(utf8) else { return htmlWithReadAttributes(utf8, filtering: true) }
        // A cut page whose attributes are all read needs no filter of them.
        let document = cut.withPage { htmlWithReadAttributes($0, filtering: !cut.onlyReadAttributes) }
        document?.keep(cut.values)
        return document
    }

    /// The tree is made in an arena of its own (`CXMLArena`: libxml2's allocations on this thread cut from its chunks
    /// during the parse), given back whole when the document goes: its nodes are not allocated and freed one by one,
    /// which with glibc's malloc was a fifth of the reader on news pages. Without an arena (another parse on this
    /// thread in one, or no memory), the tree is libxml2's as usual.
    private static func htmlWithReadAttributes(_ utf8: UnsafeBufferPointer<UInt8>, filtering: Bool) -> MarkupDocument? {
        guard !utf8.isEmpty, utf8.count < Int32.max else { return nil }
        let arena = corpusd_xml_arena_begin()
        guard let context = htmlNewParserCtxt() else {
            if let arena {
                corpusd_xml_arena_end(arena)
                corpusd_xml_arena_release(arena, nil)
            }
            return nil
        }
        // The context's handler is its own copy of libxml2's HTML handler: changing it changes this parse only.
        if filtering { context.pointee.sax.pointee.startElement = startElementWithReadAttributes }
        context.pointee.loadsubset |= XML_SKIP_IDS
        let doc = utf8.withMemoryRebound(to: CChar.self) { chars in
            htmlCtxtReadMemory(context, chars.baseAddress, Int32(chars.count), nil, "UTF-8", htmlOptions)
        }
        htmlFreeParserCtxt(context)
        guard let arena else { return doc.map { MarkupDocument($0) } }
        corpusd_xml_arena_end(arena)
        guard let doc else {
            corpusd_xml_arena_release(arena, nil)
            return nil
        }
        return MarkupDocument(doc, arena: arena)
    }

    private static let htmlOptions = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue
        | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)

    /// XML (feeds). No network, no entity expansion, no DTD loading: a feed cannot make us fetch or blow up.
    static func xml(_ utf8: [UInt8]) -> MarkupDocument? {
        guard !utf8.isEmpty, utf8.count < Int32.max else { return nil }
        let options = Int32(XML_PARSE_RECOVER.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue | XML_PARSE_IGNORE_ENC.rawValue)
        let doc = utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                xmlReadMemory(chars.baseAddress, Int32(chars.count), nil, "UTF-8", options)
            }
        }
        return doc.map { MarkupDocument($0) }
    }
}

/// libxml2's SAX2 start of an element, given only the attributes the HTML reader reads of it (`MarkupName.isRead`).
/// `attributes` is libxml2's list of name, value pairs ending in a nil name; libxml2 frees it after the call, so the
/// kept pairs are copied out of it.
private let startElementWithReadAttributes: startElementSAXFunc = { context, name, attributes in
    guard let attributes else { return xmlSAX2StartElement(context, name, nil) }
    var count = 0
    while attributes[2 * count] != nil { count += 1 }
    let tag = HTMLTag(name)
    withUnsafeTemporaryAllocation(of: UnsafePointer<xmlChar>?.self, capacity: 2 * count + 2) { kept in
        var k = 0
        for i in 0..<count where MarkupName.readAttribute(attributes[2 * i]!, on: tag) != nil {
            kept[k] = attributes[2 * i]
            kept[k + 1] = attributes[2 * i + 1]
            k += 2
        }
        kept[k] = nil
        kept[k + 1] = nil
        xmlSAX2StartElement(context, name, kept.baseAddress)
    }
}

/// A view of one libxml2 node. Valid only while its `MarkupDocument` lives.
struct MarkupNode {
    let ptr: xmlNodePtr

    var isElement: Bool { ptr.pointee.type == XML_ELEMENT_NODE }
    var isText: Bool { ptr.pointee.type == XML_TEXT_NODE || ptr.pointee.type == XML_CDATA_SECTION_NODE }

    /// The local name (HTML names are lowercase already; XML keeps its case, prefix dropped).
    var name: String { ptr.pointee.name.map { String(cString: $0) } ?? "" }

    /// The namespace URI of an XML element, if any.
    var namespace: String? { ptr.pointee.ns?.pointee.href.map { String(cString: $0) } }

    /// A text node's own characters.
    var content: String { ptr.pointee.content.map { String(cString: $0) } ?? "" }

    /// The value of the attribute named `wanted` (lowercase ASCII; the page's case is ignored). Of an HTML page, only
    /// `MarkupName.Attribute`s are read: the reader's parse builds no other.
    func attribute(_ wanted: String) -> String? {
        withAttribute(wanted) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the value of the attribute named `wanted` as UTF-8 bytes, the one `attribute` reads, without
    /// making a string of it; nil when there is none.
    func withAttribute<R>(_ wanted: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        assert(ptr.pointee.doc?.pointee.type != XML_HTML_DOCUMENT_NODE || MarkupName.Attribute(rawValue: wanted) != nil,
               "\(wanted) is not in MarkupName.Attribute")
        var attr = ptr.pointee.properties
        while let a = attr {
            if let n = a.pointee.name, MarkupName.equalsIgnoringASCIICase(n, wanted) { return MarkupNode.withValue(of: a, body) }
            attr = a.pointee.next
        }
        return nil
    }

    /// Calls `body` with an attribute's value as UTF-8 bytes (libxml2 keeps it as text children, usually one; a
    /// token of `AttributeValues` is read as the value it stands for).
    static func withValue<R>(of attribute: xmlAttrPtr, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard let first = attribute.pointee.children else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        if first.pointee.next == nil {
            guard let text = first.pointee.content else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
            if text[0] == AttributeValues.marker, let values = AttributeValues.of(attribute.pointee.doc),
               let result = values.withValue(token: text, body)
            {
                return result
            }
            return body(UnsafeBufferPointer(start: text, count: strlen(text)))
        }
        var value: [UInt8] = []
        var child: xmlNodePtr? = first
        while let c = child {
            if let text = c.pointee.content { value.append(contentsOf: UnsafeBufferPointer(start: text, count: strlen(text))) }
            child = c.pointee.next
        }
        return value.withUnsafeBufferPointer(body)
    }

    var children: [MarkupNode] {
        var out: [MarkupNode] = []
        var child = ptr.pointee.children
        while let c = child {
            out.append(MarkupNode(ptr: c))
            child = c.pointee.next
        }
        return out
    }

    var elementChildren: [MarkupNode] { children.filter(\.isElement) }

    /// Every text under this node, in document order, white space collapsed; of an HTML page, none inside `<script>`
    /// or `<style>` (which the reader's parse does not keep: `MarkupDocument.htmlForReader`).
    var text: String {
        var raw: [UInt8] = []
        appendText(ptr, to: &raw)
        var collapsed: [UInt8] = []
        raw.withUnsafeBufferPointer { _ = Markup.collapse($0, into: &collapsed) }
        return String(decoding: collapsed, as: UTF8.self)
    }

    private func appendText(_ node: xmlNodePtr, to out: inout [UInt8]) {
        let type = node.pointee.type
        if type == XML_TEXT_NODE || type == XML_CDATA_SECTION_NODE {
            if let text = node.pointee.content { out.append(contentsOf: UnsafeBufferPointer(start: text, count: strlen(text))) }
            return
        }
        if MarkupNode.isRawTextElement(node) { return }
        var child = node.pointee.children
        while let c = child {
            appendText(c, to: &out)
            child = c.pointee.next
        }
    }

    /// Is `node` a `<script>` or `<style>` element of an HTML page? Their text is not the page's.
    static func isRawTextElement(_ node: xmlNodePtr) -> Bool {
        guard node.pointee.type == XML_ELEMENT_NODE, node.pointee.doc?.pointee.type == XML_HTML_DOCUMENT_NODE else { return false }
        let tag = HTMLTag(node.pointee.name)
        return tag == .script || tag == .style
    }

    /// Depth-first search for elements (this one included) that satisfy `match`.
    func descendants(where match: (MarkupNode) -> Bool) -> [MarkupNode] {
        var found: [MarkupNode] = []
        var stack: [MarkupNode] = [self]
        while let node = stack.popLast() {
            guard node.isElement else { continue }
            if match(node) { found.append(node) }
            stack.append(contentsOf: node.children.reversed())
        }
        return found
    }

    func first(_ name: String) -> MarkupNode? { elementChildren.first { $0.name == name } }
    func all(_ name: String) -> [MarkupNode] { elementChildren.filter { $0.name == name } }
}

enum Markup {
    /// `collapse` over UTF-8 bytes (valid UTF-8, as libxml2 gives text), soft hyphens dropped: the result
    /// replaces `out`'s contents. Also counts what the content scorer wants of the result: its scalars and its commas.
    @discardableResult
    static func collapse(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> (scalars: Int, commas: Int) {
        var pending = false
        var scalars = 0
        var commas = 0
        let n = bytes.count
        // The result is never longer than the input (a space is written only for white space read): it is
        // written straight into storage of the input's size.
        out = [UInt8](unsafeUninitializedCapacity: n) { result, written in
            var w = 0
            var i = 0
            while i < n {
                let b = bytes[i]
                // Printable ASCII but the space, the most of any text: written as it is.
                if b > 0x20 && b < 0x7F {
                    if pending && w > 0 {
                        result[w] = 0x20
                        w += 1
                        scalars += 1
                    }
                    pending = false
                    if b == 0x2C { commas += 1 }
                    result[w] = b
                    w += 1
                    scalars += 1
                    i += 1
                    continue
                }
                var length = 1
                var space = false
                if b < 0x80 {
                    space = b == 0x20 || (b >= 0x09 && b <= 0x0D)
                } else {
                    length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
                    if i + length > n { length = n - i }
                    space = isUnicodeSpace(bytes, i, length)
                    if length == 3 && ((b == 0xEF && bytes[i + 1] == 0xBC && bytes[i + 2] == 0x8C)
                        || (b == 0xE3 && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x81))
                    {
                        commas += 1  // ， and 、
                    }
                }
                if length == 2 && b == 0xC2 && bytes[i + 1] == 0xAD {
                    // A soft hyphen (U+00AD) only marks where a word may break: it is never shown inside a line,
                    // and a word written with it (`Wäh\u{AD}rend`) is the same word.
                } else if space {
                    pending = true
                } else {
                    if pending && w > 0 {
                        result[w] = 0x20
                        w += 1
                        scalars += 1
                    }
                    pending = false
                    for k in i..<(i + length) {
                        result[w] = bytes[k]
                        w += 1
                    }
                    scalars += 1
                }
                i += length
            }
            written = w
        }
        return (scalars, commas)
    }

    /// The non-ASCII white space of `collapse` (Unicode White_Space, and U+200B) by its UTF-8 bytes.
    @inline(__always)
    private static func isUnicodeSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int, _ length: Int) -> Bool {
        let b0 = bytes[i]
        if length == 2 { return b0 == 0xC2 && (bytes[i + 1] == 0x85 || bytes[i + 1] == 0xA0) }
        guard length == 3 else { return false }
        let b1 = bytes[i + 1], b2 = bytes[i + 2]
        switch b0 {
        case 0xE1: return b1 == 0x9A && b2 == 0x80  // U+1680
        case 0xE2:
            if b1 == 0x80 { return b2 <= 0x8B || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF }  // U+2000–200B, 2028, 2029, 202F
            return b1 == 0x81 && b2 == 0x9F  // U+205F
        case 0xE3: return b1 == 0x80 && b2 == 0x80  // U+3000
        default: return false
        }
    }

    /// Runs of white space (including non-breaking spaces) become one space; ends trimmed; soft hyphens dropped.
    /// The white space is Unicode's White_Space and U+200B, as `collapse(_:into:)` reads it over the bytes.
    static func collapse(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            collapse(bytes, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The paragraphs of an HTML fragment (a feed's `content:encoded`, a JSON `content` with markup),
    /// with no boilerplate scoring: the fragment is the article.
    static func fragmentParagraphs(_ html: String) -> [String] {
        guard let doc = MarkupDocument.html(Array(("<html><body>" + html + "</body></html>").utf8)), let root = doc.root else {
            return []
        }
        return HTMLBlocks.collect(root).blocks.filter { !$0.text.isEmpty && $0.tag != .figcaption }.map(\.text)
    }

    /// Text that carries tags (`<p>`, `<br>`, entities) is markup; plain prose is not.
    static func looksLikeMarkup(_ text: String) -> Bool {
        var copy = text
        if let verdict = copy.withUTF8(asciiLooksLikeMarkup) { return verdict }
        return unicodeLooksLikeMarkup(text)
    }

    static func unicodeLooksLikeMarkup(_ text: String) -> Bool {
        guard let lt = text.firstIndex(of: "<") else { return text.contains("&amp;") || text.contains("&#") }
        let after = text[text.index(after: lt)...].prefix(12).lowercased()
        return markupStarts.contains { after.hasPrefix($0) }
    }

    private static let markupStarts = ["p", "p>", "br", "div", "span", "a ", "em", "strong", "ul", "li", "h2", "h3", "img", "figure",
                                       "blockquote", "!--", "i>", "b>"]
    private static let markupStartBytes = markupStarts.map { Array($0.utf8) }

    /// `looksLikeMarkup` over the bytes of text that is ASCII but for `SafeSeparators` (where every ASCII
    /// byte is a `Character` of its own, and no other character is a letter); nil for other text.
    static func asciiLooksLikeMarkup(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        var lt: Int?
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                if b == UInt8(ascii: "<") && lt == nil { lt = i }
                i += 1
            } else {
                guard let length = SafeSeparators.length(at: i, in: bytes) else { return nil }
                i += length
            }
        }
        guard let lt else {
            return TextSearch.firstIndex(of: "&amp;", in: bytes) != nil || TextSearch.firstIndex(of: "&#", in: bytes) != nil
        }
        let after = UnsafeBufferPointer(rebasing: bytes[(lt + 1)...])
        return markupStartBytes.contains { start in
            after.count >= start.count && start.indices.allSatisfy { k in
                let b = after[k]
                return b.asciiLowercased == start[k]
            }
        }
    }
}

/// Element and attribute names compared as bytes, ASCII case ignored, without making strings.
enum MarkupName {
    /// Every attribute the HTML reader reads, of any element: `HTMLBlocks` (the first six, and `href` of links),
    /// `HTMLReader.Metadata` (the rest). `MarkupDocument.htmlForReader` builds no other, and each only of the elements
    /// it is read of (`isRead`).
    enum Attribute: String, CaseIterable {
        case `class`, id, role, hidden, ariaHidden = "aria-hidden", style
        case href, rel, type, datetime, content, property, name, itemprop
    }

    private static let attributes = ShortKeyTable(Attribute.allCases.map { ($0.rawValue, $0) })

    static func attribute(_ name: UnsafePointer<xmlChar>) -> Attribute? {
        ShortKey(cString: name).flatMap { attributes[$0] }
    }

    /// Does the HTML reader read `attribute` of an element with this tag? `HTMLBlocks` reads the first six of every
    /// element it does not skip as never text (`HTMLTag.isNeverText`: `<meta>`, `<link>`, `<script>`, `<svg>`,
    /// `<button>` …), but the `id` of a heading, and `href` of `a`; `HTMLReader.Metadata` reads `content`,
    /// `property`, `name` and `itemprop` of `meta`, `rel` and `href` of `link`, `type` of `script`, `datetime` of
    /// `time` and `rel` of `a`. libxml2 names an element after its start tag (lowercased), so an attribute can be left
    /// out of the tree by the name of the tag it is written in: about one in twelve of a news page's read attributes
    /// is on an element that never reads it (`href` of an `<img>`'s link wrapper's `<div>`, `name` of an `<input>`,
    /// `class` of a `<script>` or `<svg>`).
    @inline(__always)
    static func isRead(_ attribute: Attribute, on tag: HTMLTag) -> Bool {
        switch attribute {
        case .class, .role, .hidden, .ariaHidden, .style: return !tag.isNeverText
        case .id: return !tag.isNeverText && !tag.isHeading
        case .href: return tag == .a || tag == .link
        case .rel: return tag == .a || tag == .link
        case .type: return tag == .script
        case .datetime: return tag == .time
        case .content, .property, .name, .itemprop: return tag == .meta
        }
    }

    /// The attribute named `name` when the reader reads it of an element with this tag (`isRead`), else nil.
    @inline(__always)
    static func readAttribute(_ name: UnsafePointer<xmlChar>, on tag: HTMLTag) -> Attribute? {
        guard let attribute = attribute(name), isRead(attribute, on: tag) else { return nil }
        return attribute
    }

    /// The same for a name's bytes.
    static func attribute(_ name: UnsafeBufferPointer<UInt8>) -> Attribute? {
        ShortKey(name).flatMap { attributes[$0] }
    }

    /// Does the NUL-terminated `name` equal `wanted` (lowercase ASCII), ASCII case ignored?
    static func equalsIgnoringASCIICase(_ name: UnsafePointer<xmlChar>, _ wanted: String) -> Bool {
        var i = 0
        for w in wanted.utf8 {
            var b = name[i]
            if b >= 0x41 && b <= 0x5A { b |= 0x20 }
            if b != w { return false }
            i += 1
        }
        return name[i] == 0
    }

    /// The bytes as a string, ASCII letters lowercased.
    static func asciiLowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { out in
            for (i, b) in bytes.enumerated() { out[i] = b.asciiLowercased }
            return bytes.count
        }
    }
}
