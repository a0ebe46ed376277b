import Foundation
import GRDB
import Testing

@testable import Pipeline

/// The store against a fresh in-memory database (or a temp file where WAL matters).
struct CorpusDatabaseTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func seedArticle(_ name: String) throws -> ExtractedArticle {
        let bytes = try [UInt8](Data(contentsOf: DaemonHarness.seedsDirectory.appendingPathComponent(name)))
        return try ArticlePipeline().process(SourceFile(name: name, bytes: bytes)).get()
    }

    func candidate(_ name: String) -> InboxCandidate {
        InboxCandidate(path: InboxPath(name), size: 10, mtime: 1)
    }

    @Test func registeringTheSamePathTwiceMakesOneItem() throws {
        let db = try CorpusDatabase.inMemory()
        #expect(try db.register([candidate("a.txt"), candidate("b.txt")], now: now) == 2)
        #expect(try db.register([candidate("a.txt")], now: now) == 0)
        #expect(try db.counts().count(.pending) == 2)
    }

    @Test func claimTakesOldestPendingOnceAndLeases() throws {
        let db = try CorpusDatabase.inMemory()
        try db.register((1...5).map { candidate("\($0).txt") }, now: now)
        let first = try db.claim(limit: 3, worker: "w1", lease: 60, now: now)
        #expect(first.map(\.path.description) == ["1.txt", "2.txt", "3.txt"])
        let second = try db.claim(limit: 3, worker: "w2", lease: 60, now: now)
        #expect(second.map(\.path.description) == ["4.txt", "5.txt"])
        #expect(try db.claim(limit: 3, worker: "w3", lease: 60, now: now).isEmpty)
        #expect(try db.counts().count(.processing) == 5)

        // A dead worker's claims come back: by name at start-up, or when the lease runs out.
        #expect(try db.recoverAbandoned(workerPrefix: "w1", now: now) == 3)
        #expect(try db.recoverAbandoned(workerPrefix: nil, now: now.addingTimeInterval(61)) == 2)
        #expect(try db.counts().count(.pending) == 5)
    }

    @Test func recordingDecidesStoredAndBothKindsOfDuplicate() throws {
        let db = try CorpusDatabase.inMemory()
        try db.register(["n.txt", "s.txt", "copy.txt", "retyped.txt", "empty.txt"].map(candidate), now: now)
        let claimed = try db.claim(limit: 10, worker: "w", lease: 60, now: now)
        #expect(claimed.count == 5)
        let newsmax = try seedArticle("000_cec38e9690f741cb.txt")
        let scmp = try seedArticle("002_c94ece29d17d2aab.txt")
        let newsmaxBytes = Digest.sha256("newsmax bytes")
        let processed = [
            ProcessedItem(item: claimed[0], rawHash: newsmaxBytes, result: .success(newsmax)),
            ProcessedItem(item: claimed[1], rawHash: Digest.sha256("scmp bytes"), result: .success(scmp)),
            // Same bytes as n.txt: a duplicate even before parsing.
            ProcessedItem(item: claimed[2], rawHash: newsmaxBytes, result: .failure(.pipeline(.noBody))),
            // Other bytes, same normalized text.
            ProcessedItem(item: claimed[3], rawHash: Digest.sha256("other bytes"), result: .success(newsmax)),
            ProcessedItem(item: claimed[4], rawHash: nil, result: .failure(.pipeline(.empty))),
        ]
        let recorded = try db.record(processed, now: now)
        guard case .stored(let newsmaxID) = recorded[0].outcome, case .stored(let scmpID) = recorded[1].outcome else {
            Issue.record("expected two stored documents, got \(recorded.map(\.outcome))")
            return
        }
        #expect(newsmaxID != scmpID)
        #expect(recorded[2].outcome == .duplicate(of: newsmaxID, kind: .exactBytes, similarity: 1))
        #expect(recorded[3].outcome == .duplicate(of: newsmaxID, kind: .sameText, similarity: 1))
        #expect(recorded[4].outcome == .failed(reason: "empty file"))

        let counts = try db.counts()
        #expect(counts.documents == 2)
        #expect(counts.count(.stored) == 2)
        #expect(counts.count(.duplicate) == 2)
        #expect(counts.count(.failed) == 1)
        #expect(counts.lastIngest == now)

        // Nothing is undisposed once the moves are recorded.
        #expect(try db.undisposed(limit: 10).count == 5)
        try db.markDisposed(recorded.map { ($0.id, Array("archive/\($0.path)".utf8)) }, now: now)
        #expect(try db.undisposed(limit: 10).isEmpty)
        // A disposed path is free again for a new file of the same name.
        #expect(try db.register([candidate("n.txt")], now: now) == 1)
    }

    @Test func listingFiltersByEveryTagNewestFirst() throws {
        let db = try CorpusDatabase.inMemory()
        try db.register([candidate("n.txt"), candidate("s.txt")], now: now)
        let claimed = try db.claim(limit: 2, worker: "w", lease: 60, now: now)
        _ = try db.record([
            ProcessedItem(item: claimed[0], rawHash: Digest.sha256("1"), result: .success(try seedArticle("000_cec38e9690f741cb.txt"))),
            ProcessedItem(item: claimed[1], rawHash: Digest.sha256("2"), result: .success(try seedArticle("002_c94ece29d17d2aab.txt"))),
        ], now: now)

        let china = try db.documents(matching: DocumentQuery(allTags: ["china"]))
        #expect(china.map(\.file) == ["s.txt", "n.txt"])
        #expect(china.allSatisfy { $0.tags.contains("china") && $0.tags.contains("united-states") })
        let fentanyl = try db.documents(matching: DocumentQuery(allTags: ["china", "fentanyl"]))
        #expect(fentanyl.map(\.file) == ["n.txt"])
        #expect(try db.documents(matching: DocumentQuery(allTags: ["china"], limit: 1)).count == 1)
        #expect(try db.documents(matching: DocumentQuery(allTags: ["nonexistent"])).isEmpty)

        let newsmax = try #require(fentanyl.first)
        #expect(newsmax.published == "2024-01-26T11:12:00-05:00")
        let tags = try db.tags(ofDocument: newsmax.id)
        #expect(tags.first { $0.slug == "united-states" }?.origin == .alias)
        #expect(tags.first { $0.slug == "china" }?.origin == .explicit)
        #expect(tags.first { $0.slug == "drugs" }?.origin == .rule)
    }

    @Test func fullTextIndexFollowsTheDocuments() throws {
        let db = try CorpusDatabase.inMemory()
        try db.register([candidate("n.txt")], now: now)
        let claimed = try db.claim(limit: 1, worker: "w", lease: 60, now: now)
        _ = try db.record([ProcessedItem(item: claimed[0], rawHash: Digest.sha256("1"),
                                         result: .success(try seedArticle("000_cec38e9690f741cb.txt")))], now: now)
        let hits = try db.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document_fts WHERE document_fts MATCH 'Uyghurs'")
        }
        #expect(hits == 1)
        let misses = try db.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document_fts WHERE document_fts MATCH 'Newsletter'")
        }
        #expect(misses == 0)
    }

    @Test func aReleasedBatchWaitsOutItsBackOff() throws {
        let db = try CorpusDatabase.inMemory()
        try db.register([candidate("a.txt")], now: now)
        let claimed = try db.claim(limit: 1, worker: "w", lease: 60, now: now)
        try db.release(claimed.map(\.id), error: "disk full", notBefore: now.addingTimeInterval(30))
        #expect(try db.counts().retrying == 1)
        #expect(try db.claim(limit: 1, worker: "w", lease: 60, now: now.addingTimeInterval(10)).isEmpty)
        #expect(try db.claim(limit: 1, worker: "w", lease: 60, now: now.addingTimeInterval(31)).count == 1)
    }

    @Test func aFileDatabaseIsReadableReadOnlyWithoutCreatingFiles() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("corpus-db-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("corpus.sqlite").path
        do {
            let db = try CorpusDatabase.open(path: path)
            try db.register([candidate("a.txt")], now: now)
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let reader = try CorpusDatabase.openReadOnly(path: path)
        #expect(try reader.counts().count(.pending) == 1)
        #expect(try reader.integrityCheck() == "ok")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == before)
        #expect(throws: (any Error).self) { try reader.register([candidate("b.txt")], now: now) }
    }
}
