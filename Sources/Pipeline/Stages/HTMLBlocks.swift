import CXML2
#if canImport(Glibc)
import Glibc
#endif

/// One run of text in an HTML page: a paragraph, heading, list item, or the loose text of a container.
struct HTMLBlock {
    /// The text, white space collapsed.
    var text: String
    /// Bytes (UTF-8) of the raw text inside links.
    var linkChars: Int
    /// Bytes (UTF-8) of the raw text.
    var rawChars: Int
    /// The tag of the element that owns the text (`p`, `li`, `h2`, `div` …).
    var tag: HTMLTag
    /// Index of the owning element in `HTMLBlocks.elements`.
    var element: Int
    /// Unicode scalars in `text`.
    var characters: Int
    /// Commas in `text` (`,`, `，`, `、`).
    var commas: Int

    var linkDensity: Double { rawChars == 0 ? 0 : Double(linkChars) / Double(rawChars) }
}

/// A block-level element on the way down to the blocks: its parent, its tag, and whether its class/id
/// carry a content word (`article`, `story-body` …).
struct HTMLElementInfo {
    var parent: Int
    var tag: HTMLTag
    var positive: Bool
}

/// The page as a flat list of text blocks with their ancestry — the unit the content scorer works on.
/// With `pruning`, subtrees that announce themselves as furniture (by tag, ARIA role, or class/id words
/// such as `share`, `related`, `newsletter`) are left out before any text is read.
///
/// Works on libxml2's tree directly: tags and attribute names are compared as bytes, text is gathered as
/// bytes, and a `String` is made once per block.
struct HTMLBlocks {
    var elements: [HTMLElementInfo] = []
    var blocks: [HTMLBlock] = []

    static func collect(_ root: MarkupNode, pruning: Bool = false) -> HTMLBlocks {
        var collector = Collector(pruning: pruning)
        collector.result.elements.append(HTMLElementInfo(parent: -1, tag: .other, positive: false))
        collector.visit(root.ptr, owner: 0)
        collector.flush(0)
        return collector.result
    }

    /// Is element `index` inside (or equal to) element `ancestor`?
    func isInside(_ index: Int, _ ancestor: Int) -> Bool {
        var i = index
        while i >= 0 {
            if i == ancestor { return true }
            i = elements[i].parent
        }
        return false
    }

    static let furnitureRoles: Set<String> = ["navigation", "menu", "menubar", "dialog", "alert", "search"]
    /// Landmark roles of the page's frame (its header, side column, footer): furniture unless they hold the
    /// story, as `header`, `aside` and `footer` elements.
    static let landmarkRoles: Set<String> = ["complementary", "contentinfo", "banner"]
    /// Class/id words that always mean page furniture.
    static let strongNegative: Set<String> = [
        "share", "sharing", "sharebar", "social", "comment", "comments", "related", "newsletter", "subscribe",
        "subscription", "signup", "promo", "promotion", "ad", "ads", "advert", "adverts", "advertisement", "adslot",
        "dfp", "sponsored", "sponsor", "cookie", "cookies", "consent", "gdpr", "breadcrumb", "breadcrumbs", "outbrain",
        "taboola", "popup", "modal", "recirc", "recirculation", "trending", "toolbar", "nav", "navbar", "navigation",
        "menu", "sidebar", "footer", "caption", "byline", "dateline", "credit", "credits", "tags", "masthead",
        "disqus", "newsletters", "mostread", "most-read", "rail", "teaser", "teasers", "skip", "sr-only",
        "visually-hidden", "screen-reader-text", "tools", "follow", "author-bio",
    ]
    /// Class/id words that mean furniture unless a content word sits beside them.
    static let weakNegative: Set<String> = [
        "header", "author", "meta", "more", "aside", "bio", "gallery", "video", "player", "embed",
        "pagination", "pager", "banner", "popular", "recommended", "recommendations", "links",
        "timestamp", "date", "info", "topics", "label", "headline", "title", "kicker",
    ]
    /// Class/id words of page builders' boxes, which hold furniture and story alike (`elementor-widget-wrap`,
    /// `list__item`): furniture unless a content word sits beside them or the box is mostly paragraphs.
    static let layoutWords: Set<String> = ["widget", "list", "card", "cards"]
    static let positive: Set<String> = [
        "article", "body", "content", "entry", "main", "story", "text", "post", "prose", "articlebody", "story-body",
        "article-body", "post-content", "entry-content",
    ]

    /// What the class/id words of an element say, one bit per word list.
    struct ClassWords: OptionSet {
        let rawValue: UInt8
        static let strong = ClassWords(rawValue: 1)
        static let weak = ClassWords(rawValue: 2)
        static let positive = ClassWords(rawValue: 4)
        /// A strong word only as a part of a compound word (`l-sidebar-fixed`, `article-ad-marker`).
        static let strongPart = ClassWords(rawValue: 8)
        static let layout = ClassWords(rawValue: 16)
        /// A weak word only as a part of a compound word (`date-outer`, `field--label-hidden`).
        static let weakPart = ClassWords(rawValue: 32)
    }

    private static let classWords: [String: ClassWords] = {
        var table: [String: ClassWords] = [:]
        for word in strongNegative { table[word, default: []].insert(.strong) }
        for word in weakNegative { table[word, default: []].insert(.weak) }
        for word in positive { table[word, default: []].insert(.positive) }
        for word in layoutWords { table[word, default: []].insert(.layout) }
        return table
    }()
    private static let shortClassWords = ShortKeyTable(classWords.filter { $0.key.utf8.count <= 16 }.map { ($0.key, $0.value) })

    /// The longest word of the lists, in bytes (all are ASCII).
    private static let longestClassWord = classWords.keys.map(\.utf8.count).max() ?? 0

    /// The lists a class word is in (ASCII case ignored). A word longer than every listed word is in none: no
    /// String is made of it (a String beyond ASCII equal to an ASCII one has its bytes, but for the Kelvin sign, a
    /// Greek question mark or a varia, which stand for `K`, `;` and a backtick, none in a listed word).
    static func lists(_ word: UnsafeBufferPointer<UInt8>) -> ClassWords {
        if let key = ShortKey(word) { return shortClassWords[key] ?? [] }
        guard word.count <= longestClassWord else { return [] }
        return classWords[MarkupName.asciiLowercased(word)] ?? []
    }

    /// The lists that the words of one class or id attribute value fall in: each word (split at spaces, tabs
    /// and newlines, ASCII case ignored) and, for a compound word, each of its parts split at `-`, `_` and `:`.
    /// The words are read in place, with nothing copied.
    static func classWords(in value: UnsafeBufferPointer<UInt8>) -> ClassWords {
        var found: ClassWords = []
        var start = 0
        for i in 0...value.count {
            let b = i < value.count ? value[i] : 0x20
            guard b == 0x20 || b == 0x09 || b == 0x0A else { continue }
            if i > start { found.formUnion(wordLists(UnsafeBufferPointer(rebasing: value[start..<i]))) }
            start = i + 1
        }
        return found
    }

    private static func wordLists(_ bytes: UnsafeBufferPointer<UInt8>) -> ClassWords {
        var found = lists(bytes)
        // A compound word (two parts or more between `-`, `_`, `:`): each of its parts too.
        let isSeparator = { (b: UInt8) in b == 0x2D || b == 0x5F || b == 0x3A }
        var parts = 0
        var inPart = false
        for b in bytes {
            if isSeparator(b) { inPart = false } else if !inPart { inPart = true; parts += 1 }
        }
        guard parts > 1 else { return found }
        var start = 0
        for i in 0...bytes.count {
            guard i == bytes.count || isSeparator(bytes[i]) else { continue }
            if i > start {
                var lists = lists(UnsafeBufferPointer(rebasing: bytes[start..<i]))
                if lists.contains(.strong) { lists.remove(.strong); lists.insert(.strongPart) }
                if lists.contains(.weak) { lists.remove(.weak); lists.insert(.weakPart) }
                found.formUnion(lists)
            }
            start = i + 1
        }
        return found
    }

    enum Furniture { case no, yes, unlessItHoldsTheStory, unlessItIsProse }

    /// Is this element page furniture, by its tag, ARIA role, hidden state, inline style or class/id words?
    /// `unlessItHoldsTheStory` when only a weak word, a furniture word inside a compound name, or a landmark
    /// of the page's frame (`header`, `aside`, `footer`, or their ARIA roles) says so: pages wrap the whole
    /// story in such elements often enough (`<header id=page-header>` around every column, `<aside
    /// class=direct-content>` around the article).
    static func furniture(_ tag: HTMLTag, _ attributes: ElementAttributes) -> Furniture {
        if tag.isFurniture || attributes.furnitureRole || attributes.hidden { return .yes }
        let words = attributes.classWords
        if words.contains(.strong) { return .yes }
        if tag.isLandmark || attributes.landmarkRole { return .unlessItHoldsTheStory }
        // A furniture word inside a compound class name does not outweigh a content word beside it:
        // `l-sidebar-fixed l-article-body-segment` holds the story.
        if words.contains(.positive) { return .no }
        if words.contains(.weak) || words.contains(.strongPart) { return .unlessItHoldsTheStory }
        // A builder's box, or a compound name with a weak word in it (`date-outer` around a day's posts): what
        // it holds decides.
        return words.contains(.layout) || words.contains(.weakPart) ? .unlessItIsProse : .no
    }

    /// An element this much of whose text outside links is inside paragraphs or list items, with at least
    /// `minProseBytes` in paragraphs, is story, whatever its class names say (`unlessItIsProse`).
    static let proseShare = 0.75
    // A builder's text box may hold no more than one short sentence and a line of credits under a picture.
    static let minProseBytes = 80
    /// An element with few paragraphs but this much text outside links, and this many times its text inside
    /// them, is story too (`unlessItIsProse`).
    static let minLinesProseBytes = 500
    static let linesProseRatio = 3

    /// What an element holds of the story: bytes of text inside `<p>` elements, and bytes of text outside
    /// links (the measure of a page that writes its story without `<p>`: lines split by `<br>`, text
    /// straight in `<div>`s). Scripts, styles and furniture that is pruned whatever it holds (`furniture`
    /// says `.yes`) count for nothing.
    struct StoryBytes {
        var paragraphs = 0
        var unlinked = 0
        /// Bytes of text inside links.
        var linked = 0
        /// Bytes of text inside list items (outside `<p>` and links).
        var items = 0
    }

    /// What `storyBytes` read of an element besides what it holds of the story: its attributes, and for an `a`
    /// whether it is a link (`isAddressLink` says no), so the collector's walk does not read them again.
    struct StoryEntry {
        var bytes: StoryBytes
        var attributes: ElementAttributes?
        var isLink = false
    }

    /// `StoryBytes` of every element of the tree under `node` (and of `node`), keyed by the element, in one
    /// walk.
    static func storyBytes(_ node: xmlNodePtr, into table: inout [UnsafeMutableRawPointer: StoryEntry],
                           attributes: ElementAttributes? = nil, isLink: Bool = false,
                           inParagraph: Bool = false, inItem: Bool = false, inLink: Bool = false) -> StoryBytes
    {
        var total = StoryBytes()
        var child = node.pointee.children
        while let c = child {
            child = c.pointee.next
            switch c.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                guard let content = c.pointee.content else { continue }
                let n = strlen(content)
                if inParagraph { total.paragraphs += n } else if inItem && !inLink { total.items += n }
                if inLink { total.linked += n } else { total.unlinked += n }
            case XML_ELEMENT_NODE:
                let tag = HTMLTag(c.pointee.name)
                if tag.isNeverText { continue }
                let attributes = ElementAttributes(c, tag)
                if furniture(tag, attributes) == .yes { continue }
                let link = tag == .a && !isAddressLink(c)
                let inner = storyBytes(c, into: &table, attributes: attributes, isLink: link, inParagraph: inParagraph || tag == .p,
                                       inItem: inItem || tag == .li, inLink: inLink || link)
                total.paragraphs += inner.paragraphs
                total.items += inner.items
                total.unlinked += inner.unlinked
                total.linked += inner.linked
            default:
                break
            }
        }
        table[UnsafeMutableRawPointer(node)] = StoryEntry(bytes: total, attributes: attributes, isLink: isLink)
        return total
    }

    /// A link that shows its own address is text the writer meant to be read, not a way to another page: an
    /// e-mail address that writes to it (`mailto:`, its text holding an `@`: a story's "write to us at …" line), or
    /// a web address that leads to it (`www.example.com` → `http://www.example.com/`: a list of places to visit,
    /// each with its site). Its text counts as text, not as linked text. A share button (`mailto:?subject=…`
    /// showing "E-mail") or a link showing words stays a link. An `a` without `href` leads nowhere (a named
    /// anchor, `<a name=…>`, that a table of contents jumps to): its text is text too.
    static func isAddressLink(_ node: xmlNodePtr) -> Bool {
        var attr = node.pointee.properties
        var mailto = false
        var href = false
        while let a = attr {
            attr = a.pointee.next
            guard let name = a.pointee.name, MarkupName.equalsIgnoringASCIICase(name, "href") else { continue }
            href = true
            mailto = MarkupNode.withValue(of: a) { value in
                let start = value.firstIndex { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D } ?? value.count
                let prefix = Array("mailto:".utf8)
                return value.count - start > prefix.count
                    && prefix.indices.allSatisfy { k in
                        let b = value[start + k]
                        return b.asciiLowercased == prefix[k]
                    }
            }
            break
        }
        if !href { return true }
        if mailto { return showsAt(node) }
        return showsOwnAddress(node)
    }

    /// Is the link's one text its href, scheme, `www.` and trailing `/` aside, case ignored?
    private static func showsOwnAddress(_ node: xmlNodePtr) -> Bool {
        guard let text = node.pointee.children, text.pointee.next == nil, text.pointee.type == XML_TEXT_NODE,
              let content = text.pointee.content
        else { return false }
        // Most links show words: only a short text with a dot and no space inside is read further.
        let length = strlen(content)
        guard length < 120, memchr(content, 0x2E, length) != nil else { return false }
        let shown = UnsafeBufferPointer(start: content, count: length)
        let isSpace = { (b: UInt8) in b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }
        guard let first = shown.firstIndex(where: { !isSpace($0) }), let last = shown.lastIndex(where: { !isSpace($0) }),
              !shown[first...last].contains(where: isSpace), let href = MarkupNode(ptr: node).attribute("href")
        else { return false }
        func bare(_ s: String) -> Substring {
            var t = Substring(s.lowercased().trimmingCharacters(in: .whitespacesAndNewlines))
            for p in ["https://", "http://"] where t.hasPrefix(p) { t = t.dropFirst(p.count) }
            if t.hasPrefix("www.") { t = t.dropFirst(4) }
            while t.hasSuffix("/") { t = t.dropLast() }
            return t
        }
        let h = bare(href)
        guard h.contains(".") else { return false }
        return h == bare(String(cString: content))
    }

    private static func showsAt(_ node: xmlNodePtr) -> Bool {
        var child = node.pointee.children
        while let c = child {
            child = c.pointee.next
            switch c.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = c.pointee.content, memchr(content, 0x40, strlen(content)) != nil { return true }
            case XML_ELEMENT_NODE:
                if !MarkupNode.isRawTextElement(c), showsAt(c) { return true }
            default:
                break
            }
        }
        return false
    }

    /// Does an ASCII inline style hide its element (`display:none` or `visibility:hidden`, case and spaces
    /// ignored)? Over the bytes, with no string made; nil for a value with bytes beyond ASCII (where a space
    /// may be part of a larger character), which the caller reads as text.
    static func asciiStyleHides(_ value: UnsafeBufferPointer<UInt8>) -> Bool? {
        var squeezed: [UInt8] = []
        squeezed.reserveCapacity(value.count)
        for b in value {
            if b >= 0x80 { return nil }
            if b != 0x20 { squeezed.append(b.asciiLowercased) }
        }
        return squeezed.withUnsafeBufferPointer { bytes in
            TextSearch.firstIndex(of: "display:none", in: bytes) != nil
                || TextSearch.firstIndex(of: "visibility:hidden", in: bytes) != nil
        }
    }

    /// Below this many bytes of `<p>` text, a page is measured by its text outside links instead.
    static let fewParagraphBytes = 200

    /// The attributes the collector reads, gathered in one pass over an element's attribute list.
    struct ElementAttributes {
        var classWords: ClassWords = []
        var furnitureRole = false
        var landmarkRole = false
        /// `hidden`, `aria-hidden="true"`, or an inline style that hides it.
        var hidden = false

        /// The id of a heading is its anchor, made of its own words (`nav_nur_die_folie__1` for "Nur die
        /// Folie …"): only its class is read.
        init(_ node: xmlNodePtr, _ tag: HTMLTag) {
            var attr = node.pointee.properties
            while let a = attr {
                attr = a.pointee.next
                guard let name = a.pointee.name else { continue }
                switch MarkupName.attribute(name) {
                case .id where tag.isHeading:
                    break
                case .class, .id:
                    MarkupNode.withValue(of: a) { classWords.formUnion(HTMLBlocks.classWords(in: $0)) }
                case .role:
                    MarkupNode.withValue(of: a) { value in
                        let role = MarkupName.asciiLowercased(value)
                        furnitureRole = furnitureRole || HTMLBlocks.furnitureRoles.contains(role)
                        landmarkRole = landmarkRole || HTMLBlocks.landmarkRoles.contains(role)
                    }
                case .hidden:
                    hidden = true
                case .ariaHidden:
                    MarkupNode.withValue(of: a) { value in
                        hidden = hidden || MarkupName.asciiLowercased(value) == "true"
                    }
                case .style:
                    MarkupNode.withValue(of: a) { value in
                        // Spaces dropped, as in "display: none".
                        if let hides = HTMLBlocks.asciiStyleHides(value) {
                            hidden = hidden || hides
                            return
                        }
                        let style = MarkupName.asciiLowercased(value).filter { $0 != " " }
                        hidden = hidden || style.contains("display:none") || style.contains("visibility:hidden")
                    }
                default:
                    break
                }
            }
        }
    }

    private struct Collector {
        var result = HTMLBlocks()
        let pruning: Bool
        /// The raw text of the block being gathered.
        var buffer: [UInt8] = []
        /// Its white space collapsed, reused from block to block.
        var collapsed: [UInt8] = []
        var linkChars = 0
        var linkDepth = 0
        /// What each element holds of the story (`storyBytes`), counted for the whole page when first needed.
        var story: [UnsafeMutableRawPointer: StoryEntry]?
        /// The page's own, and whether it is measured by paragraphs (else by text outside links).
        var pageStory = StoryBytes()
        var measuredByParagraphs = true

        init(pruning: Bool) {
            self.pruning = pruning
            buffer.reserveCapacity(4096)
            collapsed.reserveCapacity(4096)
        }

        mutating func visit(_ node: xmlNodePtr, owner: Int) {
            let type = node.pointee.type
            if type == XML_TEXT_NODE || type == XML_CDATA_SECTION_NODE {
                guard let content = node.pointee.content else { return }
                let n = strlen(content)
                buffer.append(contentsOf: UnsafeBufferPointer(start: content, count: n))
                if linkDepth > 0 { linkChars += n }
                return
            }
            guard type == XML_ELEMENT_NODE else { return }
            let tag = HTMLTag(node.pointee.name)
            if tag.isNeverText { return }
            if tag == .br || tag == .hr {
                flush(owner)
                return
            }
            // Read by `storyBytes` already, once it ran (but for an element without attributes, read at once).
            let entry = node.pointee.properties == nil ? nil : story?[UnsafeMutableRawPointer(node)]
            let attributes = entry?.attributes ?? ElementAttributes(node, tag)
            if pruning, tag != .body, tag != .html, isFurniture(node, tag, attributes) {
                // Furniture between inline text splits it, as the browser would show it; hidden inline markup
                // (a formula's text for screen readers) shows nothing, and the text around it stays one block.
                if tag.isBlock || !attributes.hidden { flush(owner) }
                return
            }
            if tag.isBlock {
                flush(owner)
                let index = result.elements.count
                result.elements.append(HTMLElementInfo(parent: owner, tag: tag, positive: attributes.classWords.contains(.positive)))
                var child = node.pointee.children
                while let c = child {
                    visit(c, owner: index)
                    child = c.pointee.next
                }
                flush(index)
            } else {
                let link = tag == .a && (entry.map(\.isLink) ?? !HTMLBlocks.isAddressLink(node))
                if link { linkDepth += 1 }
                var child = node.pointee.children
                while let c = child {
                    visit(c, owner: owner)
                    child = c.pointee.next
                }
                if link { linkDepth -= 1 }
            }
        }

        /// Weak words, compound-name parts and landmarks do not prune an element that holds half the page's
        /// paragraph text or more (its text outside links, on a page with few paragraphs): that is a layout
        /// wrapper (`c-fixed-sidebar-layout`, `has-ads`, a `header` around every column), not a sidebar.
        mutating func isFurniture(_ node: xmlNodePtr, _ tag: HTMLTag, _ attributes: ElementAttributes) -> Bool {
            let verdict = HTMLBlocks.furniture(tag, attributes)
            switch verdict {
            case .no: return false
            case .yes: return true
            case .unlessItHoldsTheStory, .unlessItIsProse:
                if story == nil {
                    var top = node
                    while let parent = top.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE { top = parent }
                    var table: [UnsafeMutableRawPointer: StoryEntry] = [:]
                    pageStory = HTMLBlocks.storyBytes(top, into: &table)
                    measuredByParagraphs = pageStory.paragraphs >= HTMLBlocks.fewParagraphBytes
                    story = table
                }
                let held = story?[UnsafeMutableRawPointer(node)]?.bytes ?? StoryBytes()
                let holdsParagraphs = measuredByParagraphs && held.paragraphs * 2 >= pageStory.paragraphs
                let holdsText = pageStory.unlinked > 0 && held.unlinked * 2 >= pageStory.unlinked
                let isProse = verdict == .unlessItIsProse && (
                    (held.paragraphs >= HTMLBlocks.minProseBytes
                        && Double(held.paragraphs + held.items) >= HTMLBlocks.proseShare * Double(held.unlinked))
                    // A story written without `<p>` (lines split by `<br>`, as blog platforms keep it).
                    || (held.paragraphs < HTMLBlocks.fewParagraphBytes && held.unlinked >= HTMLBlocks.minLinesProseBytes
                        && held.unlinked >= HTMLBlocks.linesProseRatio * held.linked))
                return !(holdsParagraphs || holdsText || isProse)
            }
        }

        mutating func flush(_ owner: Int) {
            defer {
                buffer.removeAll(keepingCapacity: true)
                linkChars = 0
            }
            guard !buffer.isEmpty else { return }
            let counts = buffer.withUnsafeBufferPointer { Markup.collapse($0, into: &collapsed) }
            guard !collapsed.isEmpty else { return }
            result.blocks.append(HTMLBlock(
                text: String(decoding: collapsed, as: UTF8.self), linkChars: linkChars, rawChars: buffer.count,
                tag: result.elements[owner].tag, element: owner, characters: counts.scalars, commas: counts.commas))
        }
    }
}

/// The HTML elements the reader tells apart; every other name is `other`.
enum HTMLTag: UInt8 {
    case other
    // Blocks that hold text.
    case p, div, section, article, main, h1, h2, h3, h4, h5, h6, li, ul, ol, blockquote, pre, table, tbody, thead, tr,
         td, th, dd, dt, dl, figure, figcaption, header, footer, aside, nav, form, address, center, body, html, hr,
         fieldset, details, summary, caption
    // Never text.
    case script, style, noscript, template, svg, iframe, object, embed, canvas, video, audio, select, button, input,
         textarea, head, title, meta, link, math, map
    // Others the reader looks at.
    case menu, dialog, br, a, time

    /// The tag named by a libxml2 element name (ASCII case ignored).
    @inline(__always)
    init(_ name: UnsafePointer<xmlChar>?) {
        guard let name, let key = ShortKey(cString: name) else { self = .other; return }
        self = HTMLTag.byName[key] ?? .other
    }

    /// The tag named by a name's bytes (ASCII case ignored), as a start tag spells it.
    @inline(__always)
    init(_ name: UnsafeBufferPointer<UInt8>) {
        guard let key = ShortKey(name) else { self = .other; return }
        self = HTMLTag.byName[key] ?? .other
    }

    private static let byName = ShortKeyTable(
        (1...UInt8.max).compactMap(HTMLTag.init(rawValue:)).map { (String(describing: $0), $0) })

    var isList: Bool { self == .ul || self == .ol || self == .dl }
    var isHeading: Bool { self == .h1 || self == .h2 || self == .h3 || self == .h4 || self == .h5 || self == .h6 }
    var isBlock: Bool { rawValue >= HTMLTag.p.rawValue && rawValue <= HTMLTag.caption.rawValue }
    var isNeverText: Bool { rawValue >= HTMLTag.script.rawValue && rawValue <= HTMLTag.map.rawValue }
    var isFurniture: Bool {
        switch self {
        case .nav, .figcaption, .menu, .dialog: return true
        default: return false
        }
    }
    /// The frame of a page: furniture unless it holds the story (`HTMLBlocks.furniture`).
    var isLandmark: Bool { self == .header || self == .aside || self == .footer }
}
