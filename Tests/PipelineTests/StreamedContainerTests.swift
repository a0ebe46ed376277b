import Foundation
import Synchronization
import Logging
import Testing

@testable import Pipeline

/// JSON lists and feeds are read entry by entry: memory is bounded by one entry, each entry gets its own
/// child outcome, a bad entry fails alone and a cut-off file keeps the entries before the break.
struct StreamedContainerTests {
    private func story(_ n: Int, padding: Int = 0) -> String {
        let extra = String(repeating: "More words about item \(n) for the record. ", count: padding)
        return #"{"title": "Story \#(n) of the dump", "source": "Dump Wire", "text": "Story number \#(n) has its own body, long enough to read as a paragraph of news about item \#(n). \#(extra)"}"#
    }

    @Test func theJSONSplitterHoldsOneEntryAtATime() throws {
        let count = 5_000
        let document = Array(("{\"status\": \"ok\", \"articles\": [\n" + (1...count).map { story($0, padding: $0 % 7) }.joined(separator: ",\n") + "\n]}").utf8)
        let largest = (1...count).map { story($0, padding: $0 % 7).utf8.count }.max()!
        var splitter = JSONListSplitter(maxEntry: 1 << 20)
        var indexes: [Int] = []
        var titles = 0
        let emit = { (event: JSONListSplitter.Event) in
            guard case .entry(let index, let content) = event else { return }
            indexes.append(index)
            if case .bytes(let bytes) = content, case .success(let fields) = JSONArticles.fields(.bytes(bytes), modified: nil),
                fields.title == "Story \(index) of the dump"
            {
                titles += 1
            }
        }
        var offset = 0
        while offset < document.count {
            let end = min(document.count, offset + 64 * 1024)
            try splitter.feed(document[offset..<end], emit)
            offset = end
        }
        try splitter.finish(emit)
        #expect(indexes == Array(1...count))
        #expect(titles == count)
        // The document is megabytes; the splitter never held more than its largest entry (plus the wrapper's head).
        #expect(document.count > 1_000_000)
        #expect(splitter.peakHeld <= largest + 64, "held \(splitter.peakHeld), largest entry \(largest)")
    }

    @Test func aJSONEntryOverTheLimitFailsAloneAndAOneArticleDocumentIsGivenBackWhole() throws {
        var splitter = JSONListSplitter(maxEntry: 200)
        var events: [String] = []
        let emit = { (event: JSONListSplitter.Event) in
            switch event {
            case .entry(let index, .bytes): events.append("\(index) ok")
            case .entry(let index, .tooLarge(let size)): events.append("\(index) too large \(size)")
            case .entry(let index, .truncated): events.append("\(index) cut")
            case .whole: events.append("whole")
            }
        }
        try splitter.feed(Array("[\(story(1)), \(story(2, padding: 10)), \(story(3))]".utf8)[...], emit)
        try splitter.finish(emit)
        #expect(events.count == 3 && events[0] == "1 ok" && events[1].hasPrefix("2 too large") && events[2] == "3 ok", "\(events)")

        var single = JSONListSplitter(maxEntry: 10_000)
        events = []
        try single.feed(Array(#"{"title": "One", "tags": ["a", "b"], "items": ["x"], "text": "Just one article here."}"#.utf8)[...], emit)
        try single.finish(emit)
        #expect(events == ["whole"])
    }

    @Test func aFeedIsReadAsItArrives() throws {
        let items = (1...20_000).map { n in
            "<item><title>Story \(n)</title><link>https://wire.example/\(n)</link><description>Story number \(n) has a body long enough to be news about item \(n).</description></item>"
        }
        let feed = Array(("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>" + items.joined(separator: "\n") + "</channel></rss>").utf8)
        var offset = 0
        var pulled = 0
        var pulledAtFirst = -1
        var pulledAtLast = -1
        var seen = 0
        try FeedReader.read(pull: {
            guard offset < feed.count else { return nil }
            let end = min(feed.count, offset + 16 * 1024)
            defer { offset = end }
            pulled += end - offset
            return Array(feed[offset..<end])
        }, encoding: nil, modified: nil) { index, fields in
            seen += 1
            #expect((try? fields.get())?.title == "Story \(index)")
            if index == 1 { pulledAtFirst = pulled }
            if index == 20_000 { pulledAtLast = pulled }
            return true
        }
        #expect(seen == 20_000)
        // Entry 1 was given out after a few pieces of a multi-megabyte file, not after reading it all.
        #expect(feed.count > 2_000_000)
        #expect(pulledAtFirst > 0 && pulledAtFirst <= 64 * 1024, "pulled \(pulledAtFirst) bytes before the first entry")
        #expect(pulledAtLast == feed.count)
    }

    @Test func theIngestorStreamsListsAndFeedsIntoChildOutcomes() throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("streamed-\(UUID().uuidString)")
        let inbox = root.appendingPathComponent("inbox")
        for dir in ["inbox", "archive", "failed"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let fixtures = Fixtures.url("formats")
        let names = ["list-bad-middle.json", "list-truncated.json", "feed-truncated.rss", "feed-bad-date.rss", "single-article.json"]
        for name in names {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: inbox.appendingPathComponent(name))
        }
        // A gzip of a list, streamed through the inflater.
        let list = "[" + (1...1_200).map { story($0) }.joined(separator: ",") + "]"
        let gz = root.appendingPathComponent("dump.json")
        try Data(list.utf8).write(to: gz)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-n", gz.path]
        try gzip.run()
        gzip.waitUntilExit()
        try FileManager.default.moveItem(at: root.appendingPathComponent("dump.json.gz"), to: inbox.appendingPathComponent("dump.json.gz"))

        let db = try CorpusDatabase.inMemory()
        let files = InboxFiles(inbox: inbox.path, archive: root.appendingPathComponent("archive").path,
                               failed: root.appendingPathComponent("failed").path, maxFileSize: 1 << 20)
        var entries = EntryIngest(database: db, files: files, worker: "w", settings: Live(Ingestor.Settings()), logger: Logger(label: "test"))
        // Every outcome is told once, chunk by chunk (`recorded`), and none is kept in what `ingest` returns.
        let told = Mutex<[[ItemOutcome]]>([])
        entries.recorded = { outcomes in told.withLock { $0.append(outcomes) } }
        let now = Date()
        try db.register((names + ["dump.json.gz"]).map { InboxCandidate(path: InboxPath($0), size: 1, mtime: 0) }, now: now)
        let claimed = try db.claim(limit: 10, worker: "w", lease: 60, now: now)
        let (containers, singles) = entries.partition(claimed)
        #expect(containers.count == 6 && singles.isEmpty)
        var states: [String: ItemState] = [:]
        for (item, format) in containers {
            let settled = try #require(entries.ingest(item, format: format, pipeline: ArticlePipeline()))
            states[item.path.description] = settled.state
        }
        let items = try db.items()
        func child(_ name: String) -> (ItemState, String?)? {
            items.first { $0.name == name }.map { ($0.state, $0.reason) }
        }
        #expect(states["list-bad-middle.json"] == .stored)
        #expect(child("list-bad-middle.json#1")?.0 == .stored)
        #expect(child("list-bad-middle.json#2")?.1?.contains("not valid JSON") == true)
        #expect(child("list-bad-middle.json#3")?.0 == .stored)

        // Cut off: the entries before the break are kept, the cut one fails, and the file says why.
        #expect(states["list-truncated.json"] == .failed)
        #expect(child("list-truncated.json#1")?.0 == .stored || child("list-truncated.json#1")?.0 == .duplicate)
        #expect(child("list-truncated.json#3")?.1?.contains("truncated") == true)
        #expect(items.first { $0.name == "list-truncated.json" }?.reason?.contains("truncated") == true)
        #expect(states["feed-truncated.rss"] == .failed)
        #expect(child("feed-truncated.rss#1")?.0 == .stored)
        #expect(child("feed-truncated.rss#2")?.1?.contains("truncated") == true)

        // A bad date costs the entry its date only; the empty item fails alone.
        #expect(states["feed-bad-date.rss"] == .stored)
        #expect(child("feed-bad-date.rss#2")?.0 == .stored)
        #expect(child("feed-bad-date.rss#3")?.0 == .failed)

        #expect(states["single-article.json"] == .stored)
        #expect(!items.contains { $0.name == "single-article.json#1" })

        #expect(states["dump.json.gz"] == .stored)
        #expect(try db.entryCounts(of: try #require(items.first { $0.name == "dump.json.gz" }).id) == EntryCounts(stored: 1_200))

        // The entries' outcomes and the single article's own, each told once, in chunks of `chunkSize` at most (the
        // gzip's 1,200 entries come out of the inflater in one piece).
        let chunks = told.withLock { $0 }
        var expected = EntryCounts(stored: 1)
        for (item, _) in containers {
            let counts = try db.entryCounts(of: item.id)
            expected.stored += counts.stored
            expected.duplicate += counts.duplicate
            expected.failed += counts.failed
        }
        let outcomes = chunks.flatMap { $0 }
        #expect(EntryCounts(stored: outcomes.filter { $0.state == .stored }.count, duplicate: outcomes.filter { $0.state == .duplicate }.count,
                            failed: outcomes.filter { $0.state == .failed }.count) == expected)
        #expect(expected.total > 1_200)
        #expect(chunks.allSatisfy { $0.count <= entries.chunkSize }, "\(chunks.map(\.count))")
        #expect(chunks.filter { $0.count == entries.chunkSize }.count >= 1_200 / entries.chunkSize)
    }

    /// A dump taken up again after a run that died in it: the ingest reports, and tells, only the entries it
    /// recorded itself (the batch-size figures counted the earlier run's entries again), and each line once; an entry
    /// that failed in the earlier run is tried again, and counts as this ingest's. A dump longer than one chunk, so that
    /// full chunks and the rest are both recorded.
    @Test func aDumpTakenUpAgainCountsOnlyTheEntriesItRecords() throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("resumed-\(UUID().uuidString)")
        for dir in ["inbox", "archive", "failed"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let db = try CorpusDatabase.inMemory()
        let files = InboxFiles(inbox: root.appendingPathComponent("inbox").path, archive: root.appendingPathComponent("archive").path,
                               failed: root.appendingPathComponent("failed").path, maxFileSize: 1 << 20)
        var entries = EntryIngest(database: db, files: files, worker: "host:2", settings: Live(Ingestor.Settings()), logger: Logger(label: "test"))
        let lines = entries.chunkSize + 50
        try Data((1...lines).map { story($0) + "\n" }.joined().utf8).write(to: root.appendingPathComponent("inbox/dump.jsonl"))
        let told = Mutex<[Int]>([])
        entries.recorded = { outcomes in told.withLock { $0.append(outcomes.count) } }

        let now = Date()
        try db.register([InboxCandidate(path: InboxPath("dump.jsonl"), size: 1, mtime: 0)], now: now)
        // The run before recorded the first 30 lines (the 10th failed: read cut off, say), then died.
        let first = try #require(try db.claim(limit: 1, worker: "host:1", lease: 60, now: now).first)
        let earlier = (1...30).map { n in
            ProcessedEntry(index: n, result: ArticlePipeline().jsonLine(Array((n == 10 ? "{cut" : story(n)).utf8)[...], modified: nil)!
                .mapError(IntakeFailure.pipeline))
        }
        #expect(try db.recordEntries(earlier, of: first, now: now).filter { $0.state == .failed }.count == 1)
        #expect(try db.recoverAbandoned(workerPrefix: "host:1", now: now) == 1)

        let (containers, _) = entries.partition(try db.claim(limit: 1, worker: "host:2", lease: 60, now: now))
        let (item, format) = try #require(containers.first)
        let settled = try #require(entries.ingest(item, format: format, pipeline: ArticlePipeline()))
        #expect(settled.state == .stored)
        #expect(settled.entries == lines - 29)
        #expect(told.withLock { $0 } == [entries.chunkSize, lines - 29 - entries.chunkSize])
        #expect(try db.entryCounts(of: item.id) == EntryCounts(stored: lines))
    }
}
