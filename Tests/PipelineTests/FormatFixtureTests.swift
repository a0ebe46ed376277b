import Foundation
import Testing

@testable import Pipeline

/// Each file in `Fixtures/formats` is run through the pipeline and compared with `NAME.expected.json`:
/// either `{"error": "…"}` (the file fails as a whole, with a reason containing that text) or
/// `{"entries": [...]}`, one per article the file yields, each an expected article or `{"error": "…"}`.
struct FormatFixtureTests {
    struct Expected: Decodable {
        var error: String?
        var entries: [Entry]?
        /// The file is one article (not a list of one).
        var single: Bool?
    }

    struct Entry: Decodable {
        var error: String?
        var title: String?
        var source: String?
        var url: String?
        var published: String??
        var byline: String?
        var explicit_tags: [String]?
        var encoding: String?
        var first: String?
        var last: String?
        var contains: [String]?
        var absent: [String]?

        enum CodingKeys: String, CodingKey {
            case error, title, source, url, published, byline, explicit_tags, encoding, first, last, contains, absent
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            error = try c.decodeIfPresent(String.self, forKey: .error)
            title = try c.decodeIfPresent(String.self, forKey: .title)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            url = try c.decodeIfPresent(String.self, forKey: .url)
            // Absent: not checked; null: must have no date.
            published = c.contains(.published) ? .some(try c.decodeNil(forKey: .published) ? nil : try c.decode(String.self, forKey: .published)) : .none
            byline = try c.decodeIfPresent(String.self, forKey: .byline)
            explicit_tags = try c.decodeIfPresent([String].self, forKey: .explicit_tags)
            encoding = try c.decodeIfPresent(String.self, forKey: .encoding)
            first = try c.decodeIfPresent(String.self, forKey: .first)
            last = try c.decodeIfPresent(String.self, forKey: .last)
            contains = try c.decodeIfPresent([String].self, forKey: .contains)
            absent = try c.decodeIfPresent([String].self, forKey: .absent)
        }
    }

    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url("formats").path)) ?? []
        return names.filter { !$0.hasSuffix(".expected.json") }.sorted()
    }()

    @Test func everyFormatHasFixtures() {
        let extensions = Set(Self.fixtures.map { ($0 as NSString).pathExtension })
        for ext in ["html", "json", "jsonl", "rss", "atom", "gz", "txt", "png"] {
            #expect(extensions.contains(ext), "no fixture ending in .\(ext)")
        }
    }

    @Test(arguments: fixtures)
    func extractsFixture(_ name: String) throws {
        let dir = Fixtures.url("formats")
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent(name + ".expected.json")))
        let file = SourceFile(name: name, bytes: bytes, modified: Date(timeIntervalSince1970: 1_706_781_600))
        let extraction = ArticlePipeline().extract(file)

        if let error = expected.error {
            guard case .article(.failure(let why)) = extraction else {
                Issue.record("expected the file to fail with '\(error)', got \(extraction)")
                return
            }
            #expect(why.description.contains(error), "reason: \(why)")
            return
        }
        let results: [Result<ExtractedArticle, PipelineError>]
        switch extraction {
        case .article(let result):
            results = [result]
        case .entries(let list):
            #expect(expected.single != true, "a list, but the fixture expects one article")
            results = list
        }
        let entries = try #require(expected.entries)
        #expect(results.count == entries.count, "entries: \(results.count)")
        for (index, (result, want)) in zip(results, entries).enumerated() {
            check(result, want, label: "\(name) #\(index + 1)")
        }
    }

    private func check(_ result: Result<ExtractedArticle, PipelineError>, _ want: Entry, label: String) {
        switch result {
        case .failure(let why):
            #expect(want.error != nil && why.description.contains(want.error!), "\(label) failed: \(why)")
        case .success(let extracted):
            #expect(want.error == nil, "\(label) should have failed with \(want.error ?? "")")
            let a = extracted.article
            if let v = want.title { #expect(a.title == v, "\(label) title") }
            if let v = want.source { #expect(a.source == v, "\(label) source") }
            if let v = want.url { #expect(a.url == v, "\(label) url") }
            if case .some(let v) = want.published { #expect(a.published?.iso8601 == v, "\(label) published") }
            if let v = want.byline { #expect(a.byline == v, "\(label) byline") }
            if let v = want.explicit_tags { #expect(a.explicitTags == v, "\(label) tags") }
            if let v = want.encoding { #expect(extracted.encoding.rawValue == v, "\(label) encoding") }
            if let v = want.first { #expect(a.paragraphs.first?.hasPrefix(v) == true, "\(label) first: \(a.paragraphs.first ?? "-")") }
            if let v = want.last { #expect(a.paragraphs.last?.hasSuffix(v) == true, "\(label) last: \(a.paragraphs.last ?? "-")") }
            for phrase in want.contains ?? [] { #expect(a.body.contains(phrase), "\(label) lacks \(phrase)") }
            for phrase in want.absent ?? [] { #expect(!a.body.contains(phrase), "\(label) boilerplate left: \(phrase)") }
        }
    }
}

struct FormatUnitTests {
    @Test func relativeDatesNeedTheFileTime() throws {
        let saved = Date(timeIntervalSince1970: 1_706_270_000)  // 2024-01-26T11:53:20Z
        #expect(DateParsing.relative("2 hours ago", now: nil) == nil)
        let twoHours = try #require(DateParsing.relative("Updated 2 hours ago", now: saved))
        #expect(twoHours.date == saved.addingTimeInterval(-7200))
        #expect(twoHours.hasTime)
        #expect(DateParsing.relative("3 days ago", now: saved)?.iso8601 == "2024-01-23")
        #expect(DateParsing.relative("yesterday", now: saved)?.iso8601 == "2024-01-25")
        #expect(DateParsing.relative("a long time ago in a galaxy", now: saved) == nil)

        let page = "Storm closes the harbour road\n2 hours ago\n\n"
            + "A powerful storm closed the harbour road on Friday, and the council said it would stay shut until the weekend at least.\n"
        let parsed = try PlainTextParser.parse(page, modified: saved)
        #expect(parsed.published?.date == saved.addingTimeInterval(-7200))
        #expect(try PlainTextParser.parse(page).published == nil)
    }

    @Test func htmlTagsAndAttributesAreReadWhateverTheirCase() throws {
        let story = "The council voted on Tuesday to rebuild the harbour wall, which storms breached twice this winter, "
            + "and said the work would start in spring."
        func page(_ upper: Bool) -> [UInt8] {
            let html = "<html><head><title>Harbour wall to be rebuilt</title><meta property=\"og:site_name\" content=\"Coast News\"></head>"
                + "<body><article><p>\(story)</p>"
                + "<div class=\"Share-Bar\"><p>Readers can send this piece to a friend who follows the harbour works closely.</p></div>"
                + "<p style=\"DISPLAY: NONE\">A hidden paragraph, which a reader never sees on the page, is not the story.</p></article>"
                + "</body></html>"
            return Array((upper ? html.uppercased().replacingOccurrences(of: story.uppercased(), with: story) : html).utf8)
        }
        for upper in [false, true] {
            let (article, _) = try HTMLReader.read(page(upper))
            #expect(article.paragraphs == [story], "upper case: \(upper)")
        }
    }

    @Test func aFurnitureWordInACompoundClassYieldsToAContentWord() throws {
        let story = "The council voted on Tuesday to rebuild the harbour wall, which storms breached twice this winter, "
            + "and said the work would start in spring."
        let promo = "Readers who liked this also read about the ferry timetable, which changes again next month."
        let html = "<html><body><div class=\"l-sidebar-fixed l-article-body-segment\"><p>\(story)</p>"
            + "<div class=\"promo-box-inline\"><p>\(promo)</p></div></div></body></html>"
        let (article, _) = try HTMLReader.read(Array(html.utf8))
        #expect(article.paragraphs == [story])

        // A layout wrapper named for its sidebar still holds the story; the sidebar itself is pruned.
        let page = "<html><body><div class=\"c-fixed-sidebar-layout\"><div><p>\(story)</p><p>\(story.uppercased())</p></div>"
            + "<div class=\"c-sidebar-box\"><p>\(promo)</p></div></div></body></html>"
        let (wrapped, _) = try HTMLReader.read(Array(page.utf8))
        #expect(wrapped.paragraphs == [story, story.uppercased()])
    }

    @Test func wireDatelinesNameTheAgency() throws {
        #expect(PlainTextParser.datelineAgency("BEIJING (Reuters) - China said on Friday it would talk.") == "Reuters")
        #expect(PlainTextParser.datelineAgency("WASHINGTON, Jan 26 (AP) — Officials met.") == "AP")
        #expect(PlainTextParser.datelineAgency("The minister (who spoke first) - said little.") == nil)
        let page = "China agrees to fentanyl talks\n\n"
            + "BEIJING (Reuters) - China agreed on Friday to hold talks with the United States on curbing the flow of fentanyl, officials said.\n"
        #expect(try PlainTextParser.parse(page).source == "Reuters")
    }

    @Test func commonDateFormatsWithZones() {
        #expect(DateParsing.find(in: "Friday, 26 January 2024 11:12 AM EST")?.iso8601 == "2024-01-26T11:12:00-05:00")
        #expect(DateParsing.find(in: "Jan. 26, 2024")?.iso8601 == "2024-01-26")
        #expect(DateParsing.find(in: "26/01/2024")?.iso8601 == "2024-01-26")
        #expect(DateParsing.find(in: "2024-01-26T16:12:00.000+08:00")?.iso8601 == "2024-01-26T16:12:00+08:00")
        #expect(DateParsing.find(in: "Fri, 26 Jan 2024 16:12:00 GMT")?.iso8601 == "2024-01-26T16:12:00Z")
    }

    @Test func knownBoilerplateIsDroppedFromPlainText() throws {
        let pitch = "Get the Harbour Times app for breaking news alerts, puzzles and the daily e-paper edition."
        let page = "Storm closes the harbour road\n\n"
            + "A powerful storm closed the harbour road on Friday, and the council said it would stay shut until the weekend at least.\n\n"
            + pitch + "\n"
        #expect(try PlainTextParser.parse(page).body.contains(pitch))
        let known = KnownBoilerplate([pitch])
        #expect(try !PlainTextParser.parse(page, knownBoilerplate: known).body.contains(pitch))
    }

    @Test func boilerplateIsLearnedFromRepetitionAcrossDocuments() {
        let pitch = "Sign-up to our free morning briefing for the stories that matter."
        let docs = (0..<5).map { ["Story number \($0) is about something that happened today.", pitch] }
        let known = KnownBoilerplate.learn(from: docs)
        #expect(known.contains(pitch))
        #expect(!known.contains(docs[0][0]))
        #expect(KnownBoilerplate.learn(from: Array(docs.prefix(2))).isEmpty)
    }

    @Test func gzipStreamsAcrossChunkBoundariesAndRefusesBombs() throws {
        let dir = Fixtures.url("formats")
        let gz = try [UInt8](Data(contentsOf: dir.appendingPathComponent("page.html.gz")))
        let plain = try [UInt8](Data(contentsOf: dir.appendingPathComponent("html-windows-1252.html")))
        let inflater = try Inflater(limit: 1 << 20)
        var out: [UInt8] = []
        var offset = 0
        while offset < gz.count {  // 7-byte pieces: every boundary case of the stream
            let end = min(gz.count, offset + 7)
            try inflater.feed(gz[offset..<end]) { (piece) throws(PipelineError) in out.append(contentsOf: piece) }
            offset = end
        }
        try inflater.finish()
        #expect(out == plain)

        let bomb = try [UInt8](Data(contentsOf: dir.appendingPathComponent("bomb.html.gz")))
        #expect(throws: PipelineError.tooLarge(limit: 1 << 20)) { try Inflater.gunzip(bomb, limit: 1 << 20) }
    }

    @Test func lineSplitterNumbersLinesAndSkipsRunaways() {
        var splitter = LineSplitter(maxLine: 10)
        var lines: [(Int, String)] = []
        let record: (LineSplitter.Line) -> Void = { line in
            switch line.content {
            case .text(let bytes): lines.append((line.number, String(decoding: bytes, as: UTF8.self)))
            case .tooLong(let size): lines.append((line.number, "too long \(size)"))
            }
        }
        splitter.feed(Array("one\n\nthr".utf8)[...], record)
        splitter.feed(Array("ee\nthis line is far too long\nlast".utf8)[...], record)
        splitter.finish(record)
        #expect(lines.map(\.0) == [1, 3, 4, 5])
        #expect(lines.map(\.1) == ["one", "three", "too long 25", "last"])
    }

    @Test func formatDetectionPrefersContentToExtension() throws {
        func detect(_ name: String, _ text: String) throws -> DocumentFormat {
            try FormatDetection.detect(name: name, head: Array(text.utf8)[...]).format
        }
        #expect(try detect("saved.txt", "<!DOCTYPE html><html><body><p>x</p></body></html>") == .html)
        #expect(try detect("feed.html", "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel></channel></rss>") == .rss)
        #expect(try detect("dump.json", "{\"a\":1}\n{\"a\":2}\n") == .jsonLines)
        #expect(try detect("story", "Plain words about a story.\n") == .plainText)
        #expect(throws: PipelineError.unsupportedFormat("zip archive")) {
            try FormatDetection.detect(name: "x.txt", head: [0x50, 0x4B, 0x03, 0x04, 0x14][...])
        }
    }
}
