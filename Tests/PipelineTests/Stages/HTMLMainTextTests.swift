import Foundation
import Testing

@testable import Pipeline

/// The main-text rules of the HTML reader, one small page each: what a page's frame or a builder's box holds
/// decides whether it is pruned, a story spread over boxes is read whole, and short blocks are judged by what
/// stands around them.
struct HTMLMainTextTests {
    private func body(_ html: String) throws -> [String] {
        try HTMLReader.read(Array(html.utf8)).0.paragraphs
    }

    private let story = [
        "The council voted on Tuesday to rebuild the harbour wall, which storms breached twice this winter, and said the work would start in spring.",
        "Engineers said the new wall would be two metres higher, and that the old stones would be reused where they were still sound.",
        "Residents, who had asked for the repairs for years, welcomed the decision but said the road should stay open while the work goes on.",
    ]
    private let teaser = "Readers who liked this also read about the ferry timetable, which changes again next month, and the new bus routes."

    private func paragraphs(_ texts: [String]) -> String { texts.map { "<p>\($0)</p>" }.joined() }

    @Test func aPageFrameThatHoldsTheStoryIsRead() throws {
        // The whole page inside a <header>, the article inside an <aside>: the frame holds the story.
        let wrapped = "<html><body><header id=\"page-header\"><nav><a href=\"/\">Home</a></nav><article>\(paragraphs(story))</article>"
            + "</header><footer><p>\(teaser)</p></footer></body></html>"
        #expect(try body(wrapped) == story)
        let aside = "<html><body><main><aside class=\"direct-content\"><article>\(paragraphs(story))</article></aside>"
            + "<aside class=\"more\"><p>\(teaser)</p></aside></main></body></html>"
        #expect(try body(aside) == story)
        // A side column that holds less than half of the page's paragraphs is still furniture.
        let column = "<html><body><article>\(paragraphs(story))</article><aside><p>\(teaser)</p></aside></body></html>"
        #expect(try body(column) == story)
        let role = "<html><body><div role=\"complementary\"><p>\(teaser)</p></div><div>\(paragraphs(story))</div></body></html>"
        #expect(try body(role) == story)
    }

    @Test func theShareOfAPageIsCountedWithoutItsCertainFurniture() throws {
        // A story written as lines (no <p>) in a box with a weak word, beside a long sidebar: the sidebar does not
        // count, so the box holds the story.
        let lines = story.joined(separator: "<br>")
        let sidebarText = (1...12).map { "Archive entry \($0) about something else entirely, with its own long summary text" }.joined(separator: "<br>")
        let html = "<html><body><div class=\"widget Blog\"><div class=\"post-body\">\(lines)</div></div>"
            + "<div class=\"sidebar\">\(sidebarText)</div></body></html>"
        #expect(try body(html) == story)
    }

    @Test func aBuildersBoxIsReadWhenItIsMostlyParagraphs() throws {
        // Each paragraph (of 200 bytes or more) in its own `widget` box, as page builders make them; a widget of
        // links is furniture.
        let long = story.map { $0 + " " + teaser }
        let boxes = long.map { "<div class=\"builder-widget-wrap\"><div class=\"builder-widget-text\"><p>\($0)</p></div></div>" }
        let links = "<div class=\"builder-widget-wrap\"><ul><li><a href=\"/a\">Ferry timetable changes again</a></li>"
            + "<li><a href=\"/b\">New bus routes for the harbour</a></li></ul></div>"
        let html = "<html><body><section>\(boxes.joined())\(links)</section></body></html>"
        #expect(try body(html) == long)
        // The same words on a box with little paragraph text prune it.
        let small = "<html><body><article>\(paragraphs(story))</article><div class=\"card\"><p>Short promo line here.</p>"
            + "<span>\(teaser)</span></div></body></html>"
        #expect(try body(small) == story)
    }

    @Test func aStorySpreadOverBoxesIsReadWhole() throws {
        // One section per paragraph group, one holding most: the wrapper that holds them all is the region.
        let first = "<div class=\"row\"><div class=\"col\"><div class=\"text\">\(paragraphs(Array(story.prefix(2))))</div></div></div>"
        let second = "<div class=\"row\"><div class=\"col\"><div class=\"text\">\(paragraphs([story[2]]))</div></div></div>"
        let html = "<html><body><div class=\"page\"><div class=\"inner\">\(first)\(second)</div></div>"
            + "<div class=\"links\"><a href=\"/x\">\(teaser)</a></div></body></html>"
        #expect(try body(html) == story)
        // A box that holds nearly all of the page's paragraphs stays the region: the rest is not taken in.
        let bio = "Jane Doe is a correspondent covering regional affairs for the paper, and has written about the coast for years."
        let article = "<html><body><div class=\"outer\"><div class=\"story\">\(paragraphs(story + story.map { $0 + " Again." }))</div>"
            + "<div class=\"profile\"><p>\(bio)</p></div></div></body></html>"
        #expect(try !body(article).contains(bio))
    }

    @Test func shortBlocksAreJudgedByTheirNeighbours() throws {
        // A short list item between paragraphs is text; a fragment before a block judged furniture is not.
        let html = "<html><body><article><p>\(story[0])</p><ul><li>Higher wall</li><li>Old stones reused</li></ul>"
            + "<p>\(story[1])</p><p>\(story[2])</p><p>Jane Doe</p><p>Sign up for our newsletter</p></article></body></html>"
        let paragraphs = try body(html)
        #expect(paragraphs == [story[0], "Higher wall", "Old stones reused", story[1], story[2]])
        // At the region's edge, text on the one side is enough: a closing credit line, a list that ends the story.
        let edge = "<html><body><article><p>\(story[0])</p><p>\(story[1])</p><p>Jacket: Harbour Outfitters</p></article>"
            + "<div class=\"share\"><a href=\"/s\">Share</a></div></body></html>"
        #expect(try body(edge) == [story[0], story[1], "Jacket: Harbour Outfitters"])
        // Between furniture and the edge, a fragment stays out.
        let alone = "<html><body><article><p>\(story[0])</p><p>\(story[1])</p><p>Sign up for our newsletter</p><p>Harbour Outfitters</p>"
            + "</article></body></html>"
        #expect(try body(alone) == [story[0], story[1]])
        // A fragment made mostly of links is never text.
        let linked = "<html><body><article><p>\(story[0])</p><p><a href=\"/t\">Harbour wall</a> plan</p><p>\(story[1])</p></article></body></html>"
        #expect(try body(linked) == [story[0], story[1]])
    }

    @Test func aRunOfLinesIsTextAndUncasedLettersAreNoCapitals() throws {
        let verse = ["就放心去吧", "Jiu fang xin qu ba", "祝你幸福和快乐 自由的飞", "Zhu ni xing fu he kuai le zi you de fei",
                     "有天使在你身旁", "You tian shi zai ni shen pang", "就放心走吧", "Jiu fang xin zou ba",
                     "除了记得你灿烂笑容声音以外", "Chu le ji de ni can lan xiao rong sheng yin yi wai", "只能想念你", "Zhi neng xiang nian ni"]
        let html = "<html><body><div class=\"post\"><h1>Song</h1><div class=\"lyrics\">\(verse.joined(separator: "<br>"))</div></div></body></html>"
        #expect(try body(html) == verse)
        #expect(LineClassifier.classify("就放心去吧") == .short)
        #expect(LineClassifier.classify("USA") == .label)
    }

    /// The headline here is one line of a run of lines (which keeps short lines as text): only its match with
    /// the story's part of the `<title>` keeps it out.
    @Test func theHeadlineInsideASiteTitleIsNotBody() throws {
        let headline = "Grid operator asks households to cut power use"
        let html = "<html><head><title>Valley Gazette - \(headline)</title></head><body><table><tr><td>"
            + "<b>\(headline)</b><br>\(story.joined(separator: "<br><br>"))</td></tr></table></body></html>"
        let paragraphs = try body(html)
        #expect(!paragraphs.contains(headline))
        #expect(paragraphs.contains(story[0]))
    }

    @Test func aHeadingsIdIsItsAnchorNotItsRole() throws {
        // `nav_…` made from the heading's words does not make it navigation.
        let html = "<html><body><article><p>\(story[0])</p><h3 id=\"nav_the_old_stones__1\">The old stones</h3>"
            + "<p>\(story[1])</p></article></body></html>"
        #expect(try body(html) == [story[0], "The old stones", story[1]])
        // A class still counts on a heading.
        let classed = "<html><body><article><p>\(story[0])</p><h3 class=\"nav\">Sections</h3><p>\(story[1])</p></article></body></html>"
        #expect(try body(classed) == [story[0], story[1]])
    }

    @Test func softHyphensAreDropped() throws {
        // `&shy;` marks where a word may break; the word is the same without it.
        let hyphenated = story[0].replacingOccurrences(of: "harbour", with: "har&shy;bour")
        let html = "<html><body><article><p>\(hyphenated)</p><p>\(story[1])</p></article></body></html>"
        #expect(try body(html) == [story[0], story[1]])
    }

    @Test func aListIsReadWithTheTextAroundIt() throws {
        // The items of a long list outscore the paragraphs that lead into it: the list's container is the region.
        let items = story.map { "<li>\($0) \(teaser)</li>" }.joined()
        let html = "<html><body><div class=\"entry\"><p>\(story[0])</p><p>Here is what they decided:</p><ol>\(items)</ol></div>"
            + "<div class=\"links\"><a href=\"/x\">\(teaser)</a></div></body></html>"
        let paragraphs = try body(html)
        #expect(paragraphs.first == story[0])
        #expect(paragraphs.count == 2 + story.count)
    }

    @Test func runningTextInAnotherLanguageIsJudgedByItsLinksAsProse() throws {
        // No English function words, a link over a quarter of it: still a sentence of the story.
        let german = "Für die Lippen verwende ich immer ein <a href=\"/p\">mildes Lippenpeeling aus dem</a> Drogeriemarkt nach dem Zähneputzen."
        let html = "<html><body><article><p>\(story[0])</p><p>\(german)</p><p>\(story[1])</p></article></body></html>"
        #expect(try body(html).count == 3)
        // A short linked line is still no sentence.
        let linked = "<html><body><article><p>\(story[0])</p><p>Mehr <a href=\"/m\">zum Thema Hafen</a></p><p>\(story[1])</p></article></body></html>"
        #expect(try body(linked) == [story[0], story[1]])
    }

    @Test func theLeadInABoxOfItsOwnBeforeTheStoryIsRead() throws {
        // A standfirst just before the story's box (inside a wrapper that holds nothing more) is its first paragraph.
        let lead = "The harbour wall will be rebuilt after two breaches this winter, the council decided."
        let html = "<html><body><div class=\"page\"><h2>Harbour wall</h2><div class=\"standfirst\">\(lead)</div>"
            + "<div class=\"wrap\"><div class=\"article-text\">\(paragraphs(story))</div></div></div>"
            + "<div class=\"links\"><a href=\"/x\">\(teaser)</a></div></body></html>"
        #expect(try body(html) == [lead] + story)
        // A list of summary bullets there, or a box of links, is not.
        let bullets = "<html><body><div class=\"page\"><ul><li>\(lead)</li><li>Work starts in spring</li></ul>"
            + "<div class=\"article-text\">\(paragraphs(story))</div></div></body></html>"
        #expect(try body(bullets) == story)
        let links = "<html><body><div class=\"page\"><div class=\"more\"><a href=\"/x\">\(teaser)</a></div>"
            + "<div class=\"article-text\">\(paragraphs(story))</div></div></body></html>"
        #expect(try body(links) == story)
    }

    @Test func hiddenInlineMarkupDoesNotSplitASentence() throws {
        // A formula's hidden markup inside a sentence: the sentence stays one paragraph.
        let html = "<html><body><article><p>\(story[0])</p><p>Given a set of <span style=\"display: none\">N</span> stones, "
            + "the engineers reuse every one that is still sound.</p><p>\(story[1])</p></article></body></html>"
        #expect(try body(html) == [story[0], "Given a set of stones, the engineers reuse every one that is still sound.", story[1]])
    }

    @Test func sentencesSetAsAHeadingAreText() throws {
        // A pull quote in a heading after the last paragraph is text; a subheading with nothing after it is not.
        let quote = "Die Mauer hält nicht mehr. Man muss sie neu bauen, sagt der Ingenieur."
        let html = "<html><body><article><p>\(story[0])</p><p>\(story[1])</p><h4>\(quote)</h4></article></body></html>"
        #expect(try body(html) == [story[0], story[1], quote])
        let subheading = "<html><body><article><p>\(story[0])</p><p>\(story[1])</p><h4>Was die Stadt jetzt plant</h4></article></body></html>"
        #expect(try body(subheading) == [story[0], story[1]])
    }

    @Test func anItemOfAListOfTextIsJudgedWithItsNeighbours() throws {
        // People's names linked in a list of who they are: the items are text between text.
        let people = ["<a href=\"/a\">Ada Stone</a>, harbour engineer at the port authority",
                      "<a href=\"/b\">Ben Reed</a>, chair of the residents' association",
                      "<a href=\"/c\">Cleo Wright</a>, council member for the harbour ward"]
        let html = "<html><body><article><p>\(story[0])</p><ul>\(people.map { "<li>\($0)</li>" }.joined())</ul>"
            + "<p>\(story[1])</p></article></body></html>"
        #expect(try body(html).count == 5)
        // A list of links is not.
        let links = "<html><body><article><p>\(story[0])</p><ul><li><a href=\"/a\">Ferry timetable</a> (new)</li>"
            + "<li><a href=\"/b\">Bus routes and the harbour</a></li></ul><p>\(story[1])</p></article></body></html>"
        #expect(try body(links) == [story[0], story[1]])
    }

    /// A blog platform's page: the post written as lines split by `<br>` (no `<p>`) inside `box`, beside a side
    /// column with more text outside links than the post (an archive of months).
    private func blogPage(_ box: String) -> String {
        let archive = (1...150).map { "Month \($0) (\($0 % 7))" }.joined(separator: "<br>")
        return "<html><body><div class=\"main\">\(box)</div><aside>\(archive)</aside></body></html>"
    }

    @Test func aBuildersBoxOfLinesIsRead() throws {
        // The post in a `widget` box, lines split by `<br>`: text outside links, few links, so it is story.
        let long = story.map { $0 + " " + teaser }
        let post = "<div class=\"widget Blog\"><h3>Harbour wall</h3><div>\(long.joined(separator: "<br>"))</div></div>"
        #expect(try body(blogPage(post)) == long)
        // A widget of links is still furniture.
        let links = (1...12).map { "<a href=\"/\($0)\">\(teaser)</a>" }.joined(separator: "<br>")
        let html = "<html><body><article>\(paragraphs(story))</article><div class=\"widget Links\">\(links)</div></body></html>"
        #expect(try body(html) == story)
    }

    @Test func aWeakWordInsideACompoundNameYieldsToWhatTheBoxHolds() throws {
        // `date-outer` around a day's post: a weak word only as a part of the name; the box holds the post.
        let long = story.map { $0 + " " + teaser }
        let post = "<div class=\"date-outer\"><h2 class=\"date-header\">Friday, 23 December</h2><div class=\"post\">"
            + "\(long.joined(separator: "<br>"))</div></div>"
        #expect(try body(blogPage(post)) == long)
        // The whole word still prunes what holds little: a `meta` box inside the story.
        let meta = "<html><body><article>\(paragraphs(story))<div class=\"meta\">Filed in Harbour, Council and Weather news</div>"
            + "</article></body></html>"
        #expect(try body(meta) == story)
    }

    @Test func aBuildersBoxOfParagraphsAndListItemsIsRead() throws {
        // Paragraphs with a list of plain items between them, in a builder's box after the story's box:
        // the items count as the box's prose.
        let items = ["Fix the issues you can, in the code or in the documentation of the project",
                     "Translate the tutorials and the pages of the help into your own language",
                     "Tell your friends and your neighbours about the harbour and its history", "Offer support"]
        let list = "<ul>\(items.map { "<li>\($0)</li>" }.joined())</ul>"
        let join = "<div class=\"builder-widget-wrap\"><p>Your heart beats for the harbour and you want to help?</p>\(list)"
            + "<p>\(story[2]) \(teaser)</p></div>"
        let html = "<html><body><div class=\"page\"><div class=\"text\">\(paragraphs(story.map { $0 + " " + teaser }))</div>\(join)</div>"
            + "</body></html>"
        let paragraphs = try body(html)
        #expect(paragraphs.contains(items[0]))
        #expect(paragraphs.contains(story[2] + " " + teaser))
    }

    @Test func anEmailAddressShownAsALinkIsText() throws {
        // A line that is only an address to write to, between the story's paragraphs: no other page, so text.
        let address = "harbour.repairs@example.org"
        let html = "<html><body><article>\(paragraphs([story[0], "Send what you saw of the storms to the council's new address:"]))"
            + "<p><a href=\"mailto:\(address)\">\(address)</a></p>\(paragraphs([story[1], story[2]]))</article></body></html>"
        #expect(try body(html).contains(address))
        // A share button that writes an e-mail shows no address: it stays a link, and out.
        let share = "<html><body><article>\(paragraphs([story[0]]))<p><a href=\"mailto:?subject=Harbour\">E-mail this</a></p>"
            + "\(paragraphs([story[1], story[2]]))</article></body></html>"
        #expect(try body(share) == story)
    }

    @Test func aWebAddressShownAsALinkIsText() throws {
        // A list of places, each with its site shown as a link to it, between the story's paragraphs.
        let places = ["Harbour Café / fish by the water / www.harbour-cafe.example", "Old Mill / quiet, by the river / www.old-mill.example"]
        let html = "<html><body><article>\(paragraphs([story[0], story[1]]))<h2>Where to eat:</h2>"
            + places.map { place in
                let site = place.components(separatedBy: " / ").last!
                return "<p>\(place.replacingOccurrences(of: site, with: "<a href=\"http://\(site)/\">\(site)</a>"))</p>"
            }.joined()
            + "\(paragraphs([story[2]]))</article></body></html>"
        let text = try body(html)
        #expect(places.allSatisfy(text.contains))
        // A link showing words, not its address, stays a link.
        let words = "<html><body><article>\(paragraphs([story[0], story[1]]))<p><a href=\"http://www.old-mill.example/\">Old Mill</a></p>"
            + "\(paragraphs([story[2]]))</article></body></html>"
        #expect(try body(words) == story)
    }

    @Test func aStoryNestedDeepInWrappersIsReadWhole() throws {
        // A page builder's story in two sections, each paragraph box ten wrappers deep (section, container, row,
        // column, widget …): wrappers that hold nothing more do not count towards the climb's limit, so the
        // region climbs to the element that holds both sections.
        func nested(_ inner: String, depth: Int) -> String {
            (0..<depth).reduce(inner) { html, _ in "<div class=\"box\">\(html)</div>" }
        }
        let second = ["The ferry will call at the new pier from May, the operator said, and the old one will be closed for good.",
                      "Fishermen, who use the pier at night, asked for lights along the wall before the work begins."]
        let html = "<html><body><div class=\"page\"><section>\(nested(paragraphs(story), depth: 9))</section>"
            + "<section>\(nested(paragraphs(second), depth: 9))</section></div></body></html>"
        #expect(try body(html) == story + second)
    }

    @Test func aBuildersSmallBoxOfParagraphsIsRead() throws {
        // A builder's text box between the story's paragraphs that holds one short sentence and a line of
        // credits (80 bytes or more, all of its text in paragraphs): story, not a widget of furniture.
        let lines = ["The new lamps will be fitted along the whole wall next spring:", "Lamps: Harbour Light Works"]
        let box = "<div class=\"builder-widget-wrap\"><div class=\"builder-widget-text\">\(paragraphs(lines))</div></div>"
        let html = "<html><body><article>\(paragraphs([story[0], story[1]]))\(box)\(paragraphs([story[2]]))</article></body></html>"
        #expect(try body(html) == [story[0], story[1]] + lines + [story[2]])
    }

    @Test func aSentenceThatEndsInAClosingQuoteOfAnotherLanguageIsText() throws {
        // German closes a quote with `“` („so“): a sentence ending in one ends a sentence, and with a quarter of
        // it linked it is judged as prose is. Guillemets close either way, and so count too.
        let german = "Die Bürgermeisterin sprach beim <a href=\"/fest\">Fest der Hafenarbeiter am Sonntag</a> von einer Mauer „für die nächsten hundert Jahre“"
        let french = "La maire a parlé, lors de la <a href=\"/fete\">fête des dockers dimanche</a>, d’un mur « pour les cent prochaines années »"
        // ASCII but for its quotes: the line's bytes are read without splitting it into words, to the same end.
        let plain = "Die Stadt nennt das neue Projekt am <a href=\"/kiel\">Hafen der Stadt Kiel</a> seit Jahren nur „Mauer 2030“"
        for line in [german, french, plain] {
            let html = "<html><body><article>\(paragraphs([story[0], story[1]]))<p>\(line)</p>\(paragraphs([story[2]]))</article></body></html>"
            let shown = line.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)
            #expect(try body(html) == [story[0], story[1], shown, story[2]])
        }
    }

    @Test func aSentenceOfTheStoryThatHoldsAPromptsWordsIsText() throws {
        // Running text that holds a prompt's words inside it ("join the", "sign up") is the story's; a prompt that
        // opens the line is still furniture.
        let sentence = "After school he decided to join the crew of the harbour pilot boat."
        let prompt = "Sign up for our newsletter to get all the news from the harbour."
        let html = "<html><body><article>\(paragraphs([story[0], sentence, prompt, story[1], story[2]]))</article></body></html>"
        #expect(try body(html) == [story[0], sentence, story[1], story[2]])
    }

    @Test func aSentenceThatOpensWithByIsNoByline() throws {
        // "By the end of the year, …" opens a paragraph of the story; "By Jane Doe" above it is a byline.
        let sentence = "By the end of the year, the wall had been rebuilt along most of the harbour front."
        let html = "<html><body><article><p>By Jane Doe</p>\(paragraphs([story[0], sentence, story[1], story[2]]))</article></body></html>"
        #expect(try body(html) == [story[0], sentence, story[1], story[2]])
    }

    @Test func aSentenceWithALongLinkInsideIsText() throws {
        // Two fifths of a short sentence linked, with 80 bytes or more of it outside the link: the link is a part
        // of the sentence. A "read more" line that is mostly its link stays out.
        let sentence = "Many owners of boats, cafés and shops on the harbour front have <a href=\"/claims\">asked the council for help with the costs of the repairs</a> since the two storms in January."
        let more = "<p>Read more about it: <a href=\"/ferry\">The ferry timetable changes again next month.</a></p>"
        let html = "<html><body><article>\(paragraphs([story[0], story[1]]))<p>\(sentence)</p>\(more)\(paragraphs([story[2]]))</article></body></html>"
        let shown = sentence.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)
        #expect(try body(html) == [story[0], story[1], shown, story[2]])
    }

    @Test func aNamedAnchorIsNoLink() throws {
        // `<a name=…>` around a paragraph's text (a target the table of contents jumps to) leads nowhere: its text
        // is no linked text. A link with an `href` still is.
        let anchored = "<p><a name=\"wall\">\(story[1])</a></p>"
        let html = "<html><body><article>\(paragraphs([story[0]]))\(anchored)\(paragraphs([story[2]]))</article></body></html>"
        #expect(try body(html) == story)
        let linked = "<html><body><article>\(paragraphs([story[0]]))<p><a href=\"/wall\">\(story[1])</a></p>\(paragraphs([story[2]]))"
            + "</article></body></html>"
        #expect(try body(linked) == [story[0], story[2]])
    }
}
