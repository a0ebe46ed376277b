import Foundation
import Testing

@testable import Pipeline

/// Files with several articles: each entry is a child item with one outcome, and a replay after a
/// crash never records an entry twice.
struct EntryRecordingTests {
    private func temporaryDatabase() throws -> CorpusDatabase {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("entries-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try CorpusDatabase.open(path: dir.appendingPathComponent("corpus.sqlite").path)
    }

    private func entry(_ index: Int, _ json: String) -> ProcessedEntry {
        let result = ArticlePipeline().jsonLine(Array(json.utf8)[...], modified: nil)!
        return ProcessedEntry(index: index, result: result.mapError(IntakeFailure.pipeline))
    }

    private func story(_ n: Int) -> String {
        #"{"title": "Story \#(n)", "text": "Story number \#(n) has its own body, long enough to read as a paragraph of news about item \#(n)."}"#
    }

    @Test func aNULInAJSONStringIsTakenOutOfTheStoredText() throws {
        let db = try temporaryDatabase()
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        try db.register([InboxCandidate(path: InboxPath("dumps/nul.jsonl"), size: 100, mtime: 0)], now: t0)
        let item = try #require(try db.claim(limit: 10, worker: "host:1", lease: 60, now: t0).first)
        let json = #"{"title": "Talks\u0000 resume", "source": "Daily\u0000 Ledger", "tags": ["tra\u0000de"], "author": "Jo\u0000 Doe", "#
            + #""text": "The talks on the\u0000 harbour resumed on Monday after a week of delays, officials said.\n\n\u0000\n\nBoth sides met again."}"#
        let outcomes = try db.recordEntries([entry(1, json)], of: item, now: t0)
        guard case .stored(let id) = try #require(outcomes.first) else {
            Issue.record("not stored: \(outcomes)")
            return
        }
        let document = try #require(try db.document(id: id))
        // The text after each NUL is kept (bound as a C string, it would have ended there), the NUL alone gone.
        #expect(document.title == "Talks resume")
        #expect(document.source == "Daily Ledger")
        #expect(document.byline == "Jo Doe")
        #expect(document.body == "The talks on the harbour resumed on Monday after a week of delays, officials said.\n\nBoth sides met again.")
        #expect(document.tags.contains("trade"))
        let stored = try db.writer.read { db in
            try String.fetchAll(db, sql: "SELECT title || body || COALESCE(source, '') || COALESCE(byline, '') FROM document")
        }
        #expect(stored.count == 1 && !stored[0].unicodeScalars.contains("\0"))
    }

    @Test func replayAfterACrashRecordsEachEntryOnce() throws {
        let db = try temporaryDatabase()
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        try db.register([InboxCandidate(path: InboxPath("dumps/a.jsonl"), size: 100, mtime: 0)], now: t0)
        let first = try #require(try db.claim(limit: 10, worker: "host:1", lease: 60, now: t0).first)

        // The first run records entries 1–3 (2 is broken), then dies before finishing the container.
        let outcomes = try db.recordEntries([entry(1, story(1)), entry(2, "{broken"), entry(3, story(3))], of: first, now: t0)
        #expect(outcomes.map(\.state) == [.stored, .failed, .stored])
        #expect(try db.settledEntries(of: first.id) == [1, 3])

        // Restart: the claim returns to the queue and is taken again.
        #expect(try db.recoverAbandoned(workerPrefix: "host:1", now: t0) == 1)
        let again = try #require(try db.claim(limit: 10, worker: "host:2", lease: 60, now: t0).first)
        #expect(again.id == first.id)
        let skip = try db.settledEntries(of: again.id)
        let replay = [entry(1, story(1)), entry(2, story(2)), entry(3, story(3)), entry(4, story(1))].filter { !skip.contains($0.index) }
        #expect(replay.map(\.index) == [2, 4])
        let second = try db.recordEntries(replay, of: again, now: t0)
        #expect(second.map(\.state) == [.stored, .duplicate])
        #expect(try db.finishContainer(again, rawHash: nil, failureReason: nil, now: t0) == .stored)

        let counts = try db.entryCounts(of: again.id)
        #expect(counts == EntryCounts(stored: 3, duplicate: 1, failed: 0))
        #expect(try db.counts().documents == 3)
        let items = try db.items()
        #expect(items.count == 5)  // the container and four entries, none twice
        #expect(items.filter { $0.name.hasPrefix("dumps/a.jsonl#") }.map(\.name).sorted()
                == ["dumps/a.jsonl#1", "dumps/a.jsonl#2", "dumps/a.jsonl#3", "dumps/a.jsonl#4"])
        // Entries have no file of their own: nothing is left for the disposer but the container.
        #expect(try db.undisposed(limit: 10).map(\.id) == [again.id])

        // `check` counts the container as sound (no document of its own, each listed entry recorded once) and
        // notices when the entries recorded are not the entries it listed.
        let sound = try CheckReport(db)
        #expect(sound.ok && sound.accounting.storedWithoutDocument == 0 && sound.accounting.containersMissingEntries == 0)
        try db.writer.write { try $0.execute(sql: "UPDATE item SET entry_count = entry_count + 1 WHERE id = ?", arguments: [again.id]) }
        let unsound = try CheckReport(db)
        #expect(!unsound.ok && unsound.accounting.containersMissingEntries == 1)
    }

    /// A chunk of entries extends its container's claim in its own transaction (the claim's worker only), and
    /// leaves the writer's connection synced (`synchronous = FULL`) for the container's outcome after it.
    @Test func entriesExtendTheContainersLeaseInTheirTransaction() throws {
        let db = try temporaryDatabase()
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        try db.register([InboxCandidate(path: InboxPath("dumps/b.jsonl"), size: 100, mtime: 0)], now: t0)
        let item = try #require(try db.claim(limit: 1, worker: "host:1", lease: 60, now: t0).first)
        func leaseUntil() throws -> Double? {
            try db.writer.read { try Double.fetchOne($0, sql: "SELECT lease_until FROM item WHERE id = ?", arguments: [item.id]) }
        }
        #expect(try leaseUntil() == t0.timeIntervalSince1970 + 60)
        _ = try db.recordEntries([entry(1, story(1))], of: item, now: t0, lease: ("host:1", t0.addingTimeInterval(600)))
        #expect(try leaseUntil() == t0.timeIntervalSince1970 + 600)
        // Another worker's chunk does not move this claim's lease; a chunk without one leaves it.
        _ = try db.recordEntries([entry(2, story(2))], of: item, now: t0, lease: ("host:2", t0.addingTimeInterval(900)))
        _ = try db.recordEntries([entry(3, story(3))], of: item, now: t0)
        #expect(try leaseUntil() == t0.timeIntervalSince1970 + 600)
        #expect(try db.settledEntries(of: item.id) == [1, 2, 3])
        let synchronous = try db.writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        #expect(synchronous == 2)
        #expect(try db.finishContainer(item, rawHash: nil, failureReason: nil, now: t0) == .stored)
    }

    @Test func aContainerWithNoGoodEntryFailsWithTheFirstReason() throws {
        let db = try temporaryDatabase()
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        try db.register([InboxCandidate(path: InboxPath("bad.jsonl"), size: 10, mtime: 0)], now: t0)
        let item = try #require(try db.claim(limit: 1, worker: "w", lease: 60, now: t0).first)
        _ = try db.recordEntries([entry(1, "[1, 2]"), entry(2, "{nope")], of: item, now: t0)
        #expect(try db.finishContainer(item, rawHash: nil, failureReason: nil, now: t0) == .failed)
        let row = try #require(try db.items().first { $0.id == item.id })
        #expect(row.reason?.hasPrefix("no article in 2 entries; entry 1: unsupported format") == true, "\(row.reason ?? "-")")
    }
}
