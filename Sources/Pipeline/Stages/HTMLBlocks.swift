/// One run of text in an HTML page: a paragraph, heading, list item, or the loose text of a container.
struct HTMLBlock {
    var text: String
    /// Characters of that text inside links.
    var linkChars: Int
    var rawChars: Int
    /// The tag of the element that owns the text (`p`, `li`, `h2`, `div` …).
    var tag: String
    /// Index of the owning element in `HTMLBlocks.elements`.
    var element: Int

    var linkDensity: Double { rawChars == 0 ? 0 : Double(linkChars) / Double(rawChars) }
}

/// A block-level element on the way down to the blocks: its parent and what its class/id say.
struct HTMLElementInfo {
    var parent: Int
    var tag: String
    var tokens: [String]
}

/// The page as a flat list of text blocks with their ancestry — the unit the content scorer works on.
/// With `pruning`, subtrees that announce themselves as furniture (by tag, ARIA role, or class/id words
/// such as `share`, `related`, `newsletter`) are left out before any text is read.
struct HTMLBlocks {
    var elements: [HTMLElementInfo] = []
    var blocks: [HTMLBlock] = []

    static func collect(_ root: MarkupNode, pruning: Bool = false) -> HTMLBlocks {
        var collector = Collector(pruning: pruning)
        collector.result.elements.append(HTMLElementInfo(parent: -1, tag: "#root", tokens: []))
        collector.visit(root, owner: 0)
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

    static let blockTags: Set<String> = [
        "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote",
        "pre", "table", "tbody", "thead", "tr", "td", "th", "dd", "dt", "dl", "figure", "figcaption", "header", "footer",
        "aside", "nav", "form", "address", "center", "body", "html", "hr", "fieldset", "details", "summary", "caption",
    ]
    static let neverText: Set<String> = [
        "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "video", "audio",
        "select", "button", "input", "textarea", "head", "title", "meta", "link", "math", "map",
    ]
    static let furnitureTags: Set<String> = ["nav", "aside", "footer", "header", "figcaption", "menu", "dialog"]
    static let furnitureRoles: Set<String> = [
        "navigation", "complementary", "contentinfo", "banner", "menu", "menubar", "dialog", "alert", "search",
    ]
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
        "header", "author", "meta", "more", "widget", "aside", "bio", "gallery", "video", "player", "embed",
        "pagination", "pager", "banner", "popular", "recommended", "recommendations", "links", "list", "card", "cards",
        "timestamp", "date", "info", "topics", "label", "headline", "title", "kicker",
    ]
    static let positive: Set<String> = [
        "article", "body", "content", "entry", "main", "story", "text", "post", "prose", "articlebody", "story-body",
        "article-body", "post-content", "entry-content",
    ]

    static func tokens(of node: MarkupNode) -> [String] {
        let raw = ((node.attribute("class") ?? "") + " " + (node.attribute("id") ?? "")).lowercased()
        guard raw.count > 1 else { return [] }
        var out: [String] = []
        for word in raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            out.append(String(word))
            let parts = word.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == ":" })
            if parts.count > 1 { out.append(contentsOf: parts.map(String.init)) }
        }
        return out
    }

    static func isFurniture(_ node: MarkupNode, tag: String, tokens: [String]) -> Bool {
        if furnitureTags.contains(tag) { return true }
        if let role = node.attribute("role")?.lowercased(), furnitureRoles.contains(role) { return true }
        if node.attribute("hidden") != nil || node.attribute("aria-hidden")?.lowercased() == "true" { return true }
        if let style = node.attribute("style")?.lowercased().filter({ $0 != " " }),
            style.contains("display:none") || style.contains("visibility:hidden")
        {
            return true
        }
        if tokens.isEmpty { return false }
        if tokens.contains(where: strongNegative.contains) { return true }
        if tokens.contains(where: weakNegative.contains) && !tokens.contains(where: positive.contains) { return true }
        return false
    }

    private struct Collector {
        var result = HTMLBlocks()
        let pruning: Bool
        var buffer = ""
        var rawChars = 0
        var linkChars = 0
        var linkDepth = 0

        init(pruning: Bool) { self.pruning = pruning }

        mutating func visit(_ node: MarkupNode, owner: Int) {
            if node.isText {
                let text = node.content
                buffer += text
                let n = text.utf8.count
                rawChars += n
                if linkDepth > 0 { linkChars += n }
                return
            }
            guard node.isElement else { return }
            let tag = node.name.lowercased()
            if HTMLBlocks.neverText.contains(tag) { return }
            if tag == "br" || tag == "hr" {
                flush(owner)
                return
            }
            let tokens = HTMLBlocks.tokens(of: node)
            if pruning, tag != "body", tag != "html", HTMLBlocks.isFurniture(node, tag: tag, tokens: tokens) {
                // Furniture between inline text splits it, as the browser would show it.
                flush(owner)
                return
            }
            if HTMLBlocks.blockTags.contains(tag) {
                flush(owner)
                let index = result.elements.count
                result.elements.append(HTMLElementInfo(parent: owner, tag: tag, tokens: tokens))
                var child = node.ptr.pointee.children
                while let c = child {
                    visit(MarkupNode(ptr: c), owner: index)
                    child = c.pointee.next
                }
                flush(index)
            } else {
                if tag == "a" { linkDepth += 1 }
                var child = node.ptr.pointee.children
                while let c = child {
                    visit(MarkupNode(ptr: c), owner: owner)
                    child = c.pointee.next
                }
                if tag == "a" { linkDepth -= 1 }
            }
        }

        mutating func flush(_ owner: Int) {
            defer {
                buffer = ""
                rawChars = 0
                linkChars = 0
            }
            guard rawChars > 0 else { return }
            let text = Markup.collapse(buffer)
            guard !text.isEmpty else { return }
            result.blocks.append(HTMLBlock(text: text, linkChars: linkChars, rawChars: rawChars,
                                           tag: result.elements[owner].tag, element: owner))
        }
    }
}
