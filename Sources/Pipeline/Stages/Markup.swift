import CXML2

/// A parsed HTML or XML document from libxml2, freed when this goes away. Used only inside one
/// stage call (never shared across threads), so the raw pointers never outlive it.
final class MarkupDocument {
    private let doc: xmlDocPtr

    private init(_ doc: xmlDocPtr) { self.doc = doc }
    deinit { xmlFreeDoc(doc) }

    var root: MarkupNode? { xmlDocGetRootElement(doc).map(MarkupNode.init) }

    /// HTML with libxml2's error-recovering parser (what browsers do with broken markup, roughly).
    /// `utf8` must already be UTF-8: the charset was settled before, so the page's own hint is ignored.
    static func html(_ utf8: [UInt8]) -> MarkupDocument? {
        guard !utf8.isEmpty, utf8.count < Int32.max else { return nil }
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)
        let doc = utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                htmlReadMemory(chars.baseAddress, Int32(chars.count), nil, "UTF-8", options)
            }
        }
        return doc.map(MarkupDocument.init)
    }

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
        return doc.map(MarkupDocument.init)
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

    func attribute(_ wanted: String) -> String? {
        var attr = ptr.pointee.properties
        while let a = attr {
            if let n = a.pointee.name, String(cString: n).lowercased() == wanted {
                var value = ""
                var child = a.pointee.children
                while let c = child {
                    if let text = c.pointee.content { value += String(cString: text) }
                    child = c.pointee.next
                }
                return value
            }
            attr = a.pointee.next
        }
        return nil
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

    /// Every text under this node, in document order, white space collapsed.
    var text: String {
        var raw = ""
        appendText(to: &raw)
        return Markup.collapse(raw)
    }

    private func appendText(to out: inout String) {
        if isText { out += content; return }
        var child = ptr.pointee.children
        while let c = child {
            MarkupNode(ptr: c).appendText(to: &out)
            child = c.pointee.next
        }
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
    /// Runs of white space (including non-breaking spaces) become one space; ends trimmed.
    static func collapse(_ text: String) -> String {
        // Most text is ASCII: handle it byte by byte, and fall back to scalars only when it is not.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var pending = false
        for byte in text.utf8 {
            if byte >= 0x80 { return collapseScalars(text) }
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                pending = true
            } else {
                if pending && !bytes.isEmpty { bytes.append(0x20) }
                pending = false
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func collapseScalars(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar == "\u{00A0}" || scalar == "\u{200B}" {
                space = true
            } else {
                if space && !out.isEmpty { out.append(" ") }
                space = false
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// The paragraphs of an HTML fragment (a feed's `content:encoded`, a JSON `content` with markup),
    /// with no boilerplate scoring: the fragment is the article.
    static func fragmentParagraphs(_ html: String) -> [String] {
        guard let doc = MarkupDocument.html(Array(("<html><body>" + html + "</body></html>").utf8)), let root = doc.root else {
            return []
        }
        return HTMLBlocks.collect(root).blocks.filter { !$0.text.isEmpty && $0.tag != "figcaption" }.map(\.text)
    }

    /// Text that carries tags (`<p>`, `<br>`, entities) is markup; plain prose is not.
    static func looksLikeMarkup(_ text: String) -> Bool {
        guard let lt = text.firstIndex(of: "<") else { return text.contains("&amp;") || text.contains("&#") }
        let after = text[text.index(after: lt)...].prefix(12).lowercased()
        return ["p", "p>", "br", "div", "span", "a ", "em", "strong", "ul", "li", "h2", "h3", "img", "figure", "blockquote", "!--", "i>", "b>"]
            .contains { after.hasPrefix($0) }
    }
}
