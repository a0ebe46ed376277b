import CXML2
import CXMLArena
import Foundation
import Synchronization
import Testing

@testable import Pipeline

/// The HTML reader's trees are made in an arena (`CXMLArena`, `MarkupDocument.htmlForReader`) and given back whole; the
/// rest of the process goes on with libxml2's own allocation (malloc, `xmlFreeDoc`). Each is held against the other.
struct XMLArenaTests {
    /// A page whose tree needs several chunks, a block larger than a quarter chunk (the parser's copy of the page, a long
    /// text), strings that libxml2 grows by realloc (a long attribute value, a deep stack of elements) and parser errors.
    static let largePage: String = {
        var page = "<html><head><title>T</title></head><body>"
        page += (0..<3000).map { "<div class=\"box-\($0)\" id=\"b\($0)\"><p>Paragraph \($0) <a href=\"/x/\($0)\">link</a> & more</p></div>" }.joined()
        page += "<p class=\"" + String(repeating: "word ", count: 20_000) + "\">" + String(repeating: "long text ", count: 20_000) + "</p>"
        page += String(repeating: "<div><span>", count: 600) + "deep" + String(repeating: "</span></div>", count: 600)
        page += "<p>broken <b><i>nesting</b></i> </unknown> <p>&bogus; &#xZZ;</body></html>"
        return page
    }()

    @Test func treeMadeInAnArenaIsTheTreeMadeWithMalloc() {
        for page in [Self.largePage] + HTMLReaderParseTests.adversarial {
            #expect(HTMLReaderParseTests.forReader(page) == HTMLReaderParseTests.whole(page))
        }
    }

    /// libxml2's memory functions, as libxml2 calls them: cut from the arena while it is this thread's, from malloc
    /// before and after; what malloc gave is freed and reallocated by malloc while the arena is current.
    @Test func allocationsAreTheArenasOnlyWhileItIsCurrent() throws {
        let before = try #require(xmlStrdup("made with malloc"))
        let arena = try #require(corpusd_xml_arena_begin())
        #expect(corpusd_xml_arena_begin() == nil, "one arena at a time on a thread")
        let inside = try #require(xmlStrdup("made in the arena"))
        #expect(corpusd_xml_arena_owns(arena, inside))
        #expect(!corpusd_xml_arena_owns(arena, before))
        // Grown in place (the block cut last) and elsewhere (an older one), keeping its bytes.
        let grown = try #require(xmlStrncat(inside, "; grown", 7))
        #expect(String(cString: grown) == "made in the arena; grown")
        let other = try #require(xmlStrdup("another"))
        let moved = try #require(xmlStrncat(grown, String(repeating: "x", count: 100_000), 100_000))
        #expect(corpusd_xml_arena_owns(arena, moved) && corpusd_xml_arena_owns(arena, other))
        #expect(String(cString: moved).hasPrefix("made in the arena; grown") && xmlStrlen(moved) == 100_024)
        // malloc's memory, reallocated and freed while the arena is current, stays malloc's.
        let mallocGrown = try #require(xmlStrncat(before, " and grown", 10))
        #expect(!corpusd_xml_arena_owns(arena, mallocGrown))
        corpusd_xml_free(other)
        corpusd_xml_arena_end(arena)
        let after = try #require(xmlStrdup("made with malloc again"))
        #expect(!corpusd_xml_arena_owns(arena, after))
        #expect(corpusd_xml_arena_used(arena) > 100_000)
        corpusd_xml_arena_release(arena, nil)
        corpusd_xml_free(after)
        corpusd_xml_free(mallocGrown)
    }

    /// Trees made with malloc (feeds, fragments) live across the reader's parses, on the same thread.
    @Test func treesMadeWithMallocOutliveTheReadersParses() throws {
        let feed = Array("<rss><channel><item><title>A</title><description>&lt;p&gt;x&lt;/p&gt;</description></item></channel></rss>".utf8)
        let outer = try #require(MarkupDocument.xml(feed))
        var documents: [MarkupDocument] = []
        for index in 0..<20 {
            let page = Array("<html><body><p class=\"a\">page \(index)</p><script>x()</script></body></html>".utf8)
            documents.append(try #require(page.withUnsafeBufferPointer(MarkupDocument.htmlForReader)))
            documents.append(try #require(MarkupDocument.xml(feed)))
            if index % 3 == 0 { documents.removeFirst() }
        }
        #expect(Markup.fragmentParagraphs("<p>One</p><p>Two</p>") == ["One", "Two"])
        documents.removeAll()
        #expect(outer.root.map(\.name) == "rss")
    }

    /// Readers on several threads at once, each in arenas of its own, beside XML parses with malloc: the same articles
    /// as read one after another.
    @Test func threadsReadInArenasOfTheirOwn() throws {
        let pages = (0..<8).map { index in
            Array(("<html><head><meta property=\"og:title\" content=\"Story \(index)\"></head><body><article>"
                + (0..<40).map { "<p>Sentence \($0) of story \(index), which is long enough to be a paragraph of text.</p>" }.joined()
                + "</article><nav><a href=/a>Home</a></nav></body></html>").utf8)
        }
        let serial = pages.map { try? HTMLReader.read($0).0 }
        let results = Mutex<[Int: ParsedArticle?]>([:])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            if index % 2 == 1, let feed = MarkupDocument.xml(Array("<feed><entry><title>\(index)</title></entry></feed>".utf8)) {
                _ = feed.root?.elementChildren.count
            }
            for _ in 0..<20 {
                let article = try? HTMLReader.read(pages[index % pages.count]).0
                results.withLock { $0[index % pages.count] = article }
            }
        }
        for (index, article) in results.withLock({ $0 }) {
            #expect(article == serial[index])
        }
    }
}
