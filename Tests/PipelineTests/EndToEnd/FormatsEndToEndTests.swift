import Foundation
import Testing

/// One file of every format dropped into a running daemon: each file ends in one outcome, each entry of
/// a feed or list in its own, and the originals land in archive/ or failed/.
@Suite(.serialized)
struct FormatsEndToEndTests {
    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: Fixtures.url("formats").appendingPathComponent(name))
    }

    @Test func everyFormatBecomesArticles() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop("story.txt", contents: try DaemonHarness.seed("000_cec38e9690f741cb.txt"))
        for name in ["html-windows-1252.html", "single-article.json", "newsapi-wrapper.json", "bad-line-in-middle.jsonl",
                     "feed-bad-date.rss", "atom-feed.atom", "page.html.gz", "picture.png", "bomb.html.gz"] {
            try harness.dropByRename(name, contents: try Self.fixture(name))
        }
        // 10 files; the four lists hold 2 + 4 + 3 + 2 entries.
        let counts = try harness.waitForOutcomes(21, timeout: 120)
        #expect(counts["stored"] == 14, "\(counts)")  // 3 single files, 4 containers, 7 entries
        // page.html.gz is the same story as the .html; the feed's port story and the news API's truncated
        // copy of it are near-duplicates.
        #expect(counts["duplicate"] == 2)
        #expect(counts["failed"] == 5, "\(harness.log.suffix(6000))")  // 3 entries, the PNG, the gzip bomb

        let status = try harness.status()
        #expect(status["documents"] as? Int == 10)
        #expect(harness.files(in: harness.inbox).isEmpty)
        #expect(Set(harness.files(in: harness.failed)) == ["picture.png", "bomb.html.gz"])
        #expect(harness.files(in: harness.archive).count == 8)

        // Whichever of the two came first is the document; the other is its copy, with its own provenance.
        let groups = try #require(try harness.ctlJSON(["dupes"]) as? [[String: Any]])
        let port = try #require(groups.compactMap { group -> [[String: Any]]? in
            let members = [group["document"] as? [String: Any] ?? [:]] + (group["copies"] as? [[String: Any]] ?? [])
            return members.contains { $0["file"] as? String == "feed-bad-date.rss#1" } ? members : nil
        }.first)
        #expect(Set(port.compactMap { $0["file"] as? String }) == ["feed-bad-date.rss#1", "newsapi-wrapper.json#1"])
        let feedEntry = try #require(port.first { $0["file"] as? String == "feed-bad-date.rss#1" })
        #expect(feedEntry["published"] as? String == "2024-01-26T16:12:00+01:00")
        let titles = Set(try harness.list(["--limit", "100"]).compactMap { $0["title"] as? String })
        for title in ["Council backs new tram line to the airport", "Frog thought extinct rediscovered",
                      "Library hours cut at five branches", "Third story of the dump", "Museum returns artefacts",
                      "US, China Plan High-level Talks on Fentanyl Crisis"] {
            #expect(titles.contains(title), "missing \(title)")
        }
        #expect(try harness.stop() == 0)
    }

    /// JSON Lines dumps claimed in one batch: each dump's original leaves the inbox once it has its outcome, while
    /// the batch's later dumps are still being read (they were all archived at the batch's end), and the daemon's
    /// own figures count the entries as they are recorded.
    @Test func eachDumpOfABatchIsArchivedWhenItIsDone() throws {
        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(at: harness.inbox, withIntermediateDirectories: true)
        let dumps = 4, lines = 600
        let names = (0..<dumps).map { "batch\($0).jsonl" }
        for (number, name) in names.enumerated() {
            var text = ""
            for line in 1...lines {
                let object = ["title": "Batch \(number) story \(line)", "content": Articles.text(40_000 + number * lines + line)]
                text += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
            }
            try harness.drop(name, contents: Data(text.utf8))
        }
        // Registered at start-up together, so the first claim takes them all.
        try harness.start(["--poll", "0.5"])
        let total = dumps * (lines + 1)
        // The dumps are taken in the order they were found (the folder's), not by name.
        try harness.waitUntil("a first dump archived", timeout: 120) {
            harness.files(in: harness.archive).contains { name in names.contains { name.hasSuffix($0) } }
        }
        let counts = try harness.itemCounts()
        let done = (counts["stored"] ?? 0) + (counts["duplicate"] ?? 0) + (counts["failed"] ?? 0)
        #expect(done < total, "every dump had its outcome before the first was archived: \(counts)")
        #expect(harness.files(in: harness.inbox).contains { names.contains($0) })
        let final = try harness.waitForOutcomes(total, timeout: 300)
        #expect(final["stored"] == total)
        try harness.waitUntil("every dump archived", timeout: 60) {
            Set(harness.files(in: harness.archive).map { ($0 as NSString).lastPathComponent }).isSuperset(of: names)
        }
        #expect(try harness.stop() == 0)
    }
}
