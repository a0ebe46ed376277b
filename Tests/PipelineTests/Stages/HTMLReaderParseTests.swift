import CXML2
import Testing

@testable import Pipeline

/// The HTML reader's parse (`MarkupDocument.htmlForReader`: `UnreadMarkup` cuts the page, libxml2 builds only the
/// attributes the reader reads) builds what libxml2's whole parse builds, but what the reader never reads.
struct HTMLReaderParseTests {
    /// The tree as the reader can see it: elements with the attributes it reads of them, text, comments as empty comments,
    /// processing instructions and doctypes; no text inside `<script>` and `<style>` but JSON-LD's.
    static func readable(_ document: MarkupDocument?) -> String {
        guard let document, let root = document.root, let top = root.ptr.pointee.parent else { return "(none)" }
        var out = ""
        func walk(_ node: xmlNodePtr, textShown: Bool) {
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                let name = String(cString: node.pointee.name)
                out += "<\(name)"
                var attribute = node.pointee.properties
                while let a = attribute {
                    if MarkupName.readAttribute(a.pointee.name, on: HTMLTag(node.pointee.name)) != nil {
                        out += " \(String(cString: a.pointee.name))=" + MarkupNode.withValue(of: a) { String(decoding: $0, as: UTF8.self) }.debugDescription
                    }
                    attribute = a.pointee.next
                }
                out += ">"
                let jsonLD = name == "script" && MarkupNode(ptr: node).attribute("type")?.lowercased().contains("ld+json") == true
                let shown = textShown && (!MarkupNode.isRawTextElement(node) || jsonLD)
                var child = node.pointee.children
                while let c = child {
                    walk(c, textShown: shown)
                    child = c.pointee.next
                }
                out += "</\(name)>"
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if textShown { out += "[\(MarkupNode(ptr: node).content)]" }
            case XML_COMMENT_NODE:
                out += "<!---->"
            case XML_PI_NODE, XML_DTD_NODE:
                out += "<?\(MarkupNode(ptr: node).name) \(MarkupNode(ptr: node).content)>"
            default:
                out += "(node \(node.pointee.type.rawValue))"
            }
        }
        var node: xmlNodePtr? = top.pointee.children
        while let n = node {
            walk(n, textShown: true)
            node = n.pointee.next
        }
        return out
    }

    static func whole(_ html: String) -> String { readable(MarkupDocument.html(Array(html.utf8))) }

    static func forReader(_ html: String) -> String {
        readable(Array(html.utf8).withUnsafeBufferPointer(MarkupDocument.htmlForReader))
    }

    /// Does the reader's tree of `html` hold only attributes the reader reads of their elements (`MarkupName.isRead`)?
    static func onlyReadAttributes(_ html: String) -> Bool {
        guard let document = Array(html.utf8).withUnsafeBufferPointer(MarkupDocument.htmlForReader), let root = document.root,
              let top = root.ptr.pointee.parent else { return true }
        func listed(_ node: xmlNodePtr) -> Bool {
            var attribute = node.pointee.properties
            while let a = attribute {
                if MarkupName.readAttribute(a.pointee.name, on: HTMLTag(node.pointee.name)) == nil { return false }
                attribute = a.pointee.next
            }
            var child = node.pointee.children
            while let c = child {
                if c.pointee.type == XML_ELEMENT_NODE, !listed(c) { return false }
                child = c.pointee.next
            }
            return true
        }
        return listed(top)
    }

    static func cuts(_ html: String) -> Bool { Array(html.utf8).withUnsafeBufferPointer { UnreadMarkup.cut($0) } != nil }

    /// Pages that libxml2's tokenizer reads in its own ways: each is cut, and the tree the reader sees is the same.
    static let adversarial = [
        #"<html><body><p>One</p><script>var s = "</scr" + "ipt>"; var t = '<p>no</p>';</script><p>Two</p></body></html>"#,
        #"<p>a<script>document.write("<script>x<\/script>")</script>b</p>"#,
        "<!-- <script> --><p>text</p><script>if (a --> b) {}</script><p>after</p>",
        "<SCRIPT LANGUAGE=javascript>x = 1</SCRIPT ><Style>p{}</STYLE\n><p>p</p>",
        "<p>x</p><script>a</ScRiPt foo=\"<p>\">tail<p>y</p>",
        "<p>start</p><script>var never = 'ended'; <p>not a paragraph</p>",
        "<p>a</p><script src=x />text<p>para</p><style/>more",
        #"<div data-x="<script>" title='a>b'>in div</div><a href=/x/>link</a><script>y</script>"#,
        "<p>a<!-- c --!>b<!---->c<!-->d-->e<!--->f--->g</p><!-- unterminated <script> x",
        #"<?php echo "<script>" ?><p>pi</p><script>z</script>"#,
        #"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><head><script>a</script></head><body><p>b</p></body></html>"#,
        #"<!DOCTYPE html SYSTEM "a>b"><p>x<script>y</script></p><!doctype html><p>z</p></div>"#,
        #"<p>a</ div></div foo="<script>">b</p><script>c</script></>d"#,
        "<p>a < b <script>x</script> c <3 <_x> <:y></p>",
        "<h1>Title<style>.x{}</style> here<script>t()</script></h1><title>T<script>u</script></title>",
        #"<a href="mailto:x"><script>document.write('a@b')</script>write</a><time>today<script>v</script></time>"#,
        "<div class=a CLASS=b data-x=1 class=c id='i' ID=j onclick=\"x()\" hidden aria-hidden=true style=\"display:none\">d</div>",
        "<div " + String(repeating: "x", count: 100) + "class=\"share\" " + String(repeating: "y", count: 120) + "=1>e</div>",
        "<a x=1/>f</a><br data-x=1/><script data-x=1/>g</script><p>h</p>",
        "<p>ü<script>x</script>é</p><div title=\"ü\" data-é=\"x\">ä</div>",
        "<script><!--\nvar a = '-->';\n//--></script><p>old</p>",
        "<script type=\"text/template\"> <div class=x>tmpl</div></script><p>after</p>",
        "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"LD\"}</script><script>ignored()</script>",
        "<script  TYPE = 'Application/LD+JSON' >{\"a\":1}</script><script type=application/ld+json>{}</script>"
            + "<script type=\"application/ld&#43;json\">{\"b\":2}</script><script type=\"text/json\">{\"c\":3}</script>",
        "<p>a&amp;b &#60;script&#62; &lt;/script></p><script>x &amp; y</script>",
        "<table><tr><td>1<script>a</script><td>2</table><ul><li>x<style>y</style><li>z</ul>",
        // Attribute values taken out for tokens, and those that stay: blanks and line ends inside, bytes beyond ASCII,
        // references, unquoted values up to a blank or `>` (a `/` included), short values, an empty one, a duplicate.
        "<div class=\"story\r\n  body\tmain\" id='lead&amp;more' style=display:none data-x=\"1\">a</div>"
            + "<a href=http://www.example.com/>www.example.com</a> <a class=x/>b</a><p class=\"\" id=\"abc\" role=\"abcd\">c</p>",
        "<div class=\"Grüße 日本 😀 share\" CLASS=\"second value\" title=\"ü\">d</div><img class='a&#43;b' alt=x>"
            + "<time datetime=\"2024-05-06T07:08:09Z\">May</time><link rel=\"canonical\" href=\"https://e.com/x?a=1&b=2\">",
        "<meta property=\"og:title\" content=\"A title with \u{01} in it\"><p class=\"\u{01}A\" data-x=1>e</p>",
        "<!-- c --><p class=\"unterminated value>f</p><p>g</p>",
        // Attributes the reader reads of some elements only (`MarkupName.isRead`), written on others too, in any case; a
        // misplaced `<html>` whose attributes libxml2 adds to the root, a second `<body>`.
        "<html class=a><div href=\"/x\" rel=author content=\"c\" name=n datetime=2020 type=t property=p itemprop=i class=k>a</div>"
            + "<meta class=x content=\"c\" name=\"n\" href=h itemprop=i property=p><link class=x rel=canonical href=/c type=t>"
            + "<SCRIPT class=x TYPE=\"application/ld+json\" id=i>{}</SCRIPT><TIME datetime=\"2024-01-01\" class=t Content=c>t</TIME>"
            + "<A HREF=/a REL=author NAME=n Type=t>b</A><h2 id=share class=c>h</h2><H3 ID=more>i</H3><svg class=share><a href=x>s</a></svg>"
            + "<input name=q type=search class=x hidden><html lang=de class=share href=x role=main><body class=b href=y>z</body></html>",
        // An attribute the reader does not read between one named without a value and a bogus `=…` (found by
        // `randomPagesAreReadTheSame`): cut, the bogus value would become the first one's.
        "<time datetime= href='http://a.b/c' hidden  href='http://a.b/c'=<p>--!><h2 id=a class=b>x</h2>"
            + "<p hidden data-x=1 =y class=a>b</p><p hidden data-x=\"1\"\n\t=\"y\" id=z>c</p><script>s</script>",
    ]

    /// Pages that `UnreadMarkup` leaves whole rather than follow libxml2 further.
    static let leftWhole = [
        "<script>a</scripts>b</script><p>c</p>",
        "<script><noscript>x</noscript></script><p>y</p>",
        "<style><body>x</style><p>y</p>",
        "<script></div>a</script><p>b</p>",
        "\u{FEFF}<p>bom</p><script>x</script>",
        "<?é x?><p>a</p><script>y</script>",
        "<p>nul\u{0}</p><script>x</script>",
    ]

    @Test func adversarialPagesAreCutAndReadTheSame() {
        for page in Self.adversarial {
            #expect(Self.cuts(page), "\(page)")
            #expect(Self.forReader(page) == Self.whole(page), "\(page)")
            #expect(Self.onlyReadAttributes(page), "\(page)")
        }
    }

    @Test func pagesLeftWholeAreReadTheSame() {
        for page in Self.leftWhole {
            #expect(!Self.cuts(page), "\(page)")
            #expect(Self.forReader(page) == Self.whole(page), "\(page)")
        }
    }

    /// Random pages made of the pieces libxml2's tokenizer turns on: the tree the reader sees is the same.
    @Test func randomPagesAreReadTheSame() {
        let pieces = [
            "<script>", "</script>", "<style>", "</style>", "<!--", "-->", "--!>", "<", ">", "/", "\"", "'", "=", " ", "\n", "a",
            "<p>", "</p>", "<div class=\"x\" data-y='1'>", "</div>", "<a href=x>", "</a>", "<h1>", "</h1>", "&amp;", "&#", "<?",
            "<!DOCTYPE html>", "<!DOCTYPE", "PUBLIC", "<scripts>", "</scr", "ipt>", "SCRIPT", " type=\"application/ld+json\"",
            "{\"@type\":\"NewsArticle\"}", "ü", "<br/>", "<img src=a alt=b/>", "<noscript>", "<body>", "<title>", "</title>",
            "<script ", "<style ", " class=", " data-x=", " hidden", "</", "!", "-", "?", "<b>", "</b>",
            " class=\"share box\"", " href='http://a.b/c'", " id=lead-text", " content=\"x&amp;y z\"", "\r", "\t", "é",
            "\u{01}", "<meta name=\"description\" content=\"", "\"", "&", "<link rel=canonical href=", "<time datetime=",
            "<svg class=share>", "<h2 id=a class=b>", " rel=author", " type=text/json", " name=n", " itemprop=i", "<A ", "<META ",
            "<html class=c>",
        ]
        var (generator, seed) = TestRandom.generator()
        for _ in 0..<3000 {
            let count = Int.random(in: 1...40, using: &generator)
            let page = (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(Self.forReader(page) == Self.whole(page), "seed \(seed): \(page.debugDescription)")
            #expect(Self.onlyReadAttributes(page), "seed \(seed): \(page.debugDescription)")
        }
    }

    /// Every token names its own value, and holds nothing that would end a value in libxml2's reading (a blank, a quote,
    /// `>`, `&`, NUL).
    @Test func attributeValueTokensStandForTheirValues() {
        let count = 300_000
        var buffer: [UInt8] = Array("page".utf8)
        var ends: [Int] = []
        for index in 0..<count {
            buffer += Array("value \(index)".utf8)
            ends.append(buffer.count)
        }
        let values = AttributeValues(buffer: buffer, start: 4, ends: ends)
        for index in 0..<count {
            var token = [UInt8](repeating: 0, count: 13)
            let length = token.withUnsafeMutableBufferPointer { AttributeValues.writeToken(index, into: $0.baseAddress!) }
            #expect(length == AttributeValues.tokenLength(index))
            #expect(length == (index < 64 ? 2 : index < 4096 ? 3 : index < 262_144 ? 4 : 5))
            #expect(token[0] == AttributeValues.marker)
            let stops: [UInt8] = [0, 0x09, 0x0A, 0x0C, 0x0D, 0x20, 0x22, 0x26, 0x27, 0x3E, AttributeValues.marker]
            #expect(!token[1..<length].contains { stops.contains($0) })
            let value = token.withUnsafeBufferPointer { values.withValue(token: $0.baseAddress!) { String(decoding: $0, as: UTF8.self) } }
            #expect(value == "value \(index)")
        }
        // Not tokens of these values: no marker, no digits, a digit out of the alphabet, an index past the last.
        for bogus in [[0x41, 0x41], [0x01], [0x01, 0x2E], [0x01, 0x5F, 0x5F, 0x5F, 0x5F]] as [[UInt8]] {
            #expect((bogus + [0]).withUnsafeBufferPointer { values.withValue(token: $0.baseAddress!) { _ in true } } == nil)
        }
    }

    /// A page with more attribute values than two token digits hold (64 × 64) is read the same.
    @Test func pageWithManyValuesIsReadTheSame() {
        let page = "<html><body>" + (0..<5000).map { "<p class=\"para-\($0)\" id=\"p\($0)\">text \($0)</p>" }.joined() + "</body></html>"
        #expect(Self.cuts(page))
        #expect(Self.forReader(page) == Self.whole(page))
    }

    @Test func jsonLDIsStillReadWhenScriptsAreCut() throws {
        let story = "The council voted on Tuesday to rebuild the harbour wall, which storms breached twice this winter."
        for type in ["\"application/ld+json\"", "'Application/LD+JSON'", "application/ld+json", "\"application/ld&#43;json\""] {
            let page = "<html><head><script>var a = 1;</script><script  TYPE = \(type) >{\"@type\": \"NewsArticle\", "
                + "\"headline\": \"Harbour wall to be rebuilt\", \"author\": {\"name\": \"Jane Doe\"}}</script>"
                + "<style>p { color: red }</style></head><body><!-- a comment --><article><p>\(story)</p></article>"
                + "<script>track()</script></body></html>"
            #expect(Self.cuts(page))
            let article = try HTMLReader.read(Array(page.utf8)).0
            #expect(article.title == "Harbour wall to be rebuilt", "\(type)")
            #expect(article.byline == "Jane Doe", "\(type)")
            #expect(article.paragraphs == [story])
        }
    }

    /// What a page declares is read without the text of scripts inside it (that the reader's parse does not keep).
    @Test func textOfAnElementLeavesOutItsScripts() throws {
        let page = "<html><body><h1>Harbour wall <script>document.write('to be')</script>rebuilt</h1><article><p>"
            + "The council voted on Tuesday to rebuild the harbour wall, which storms breached twice this winter.</p></article></body></html>"
        #expect(try HTMLReader.read(Array(page.utf8)).0.title == "Harbour wall rebuilt")
    }
}
