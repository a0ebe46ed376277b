import Foundation
import GRDB
import Testing

@testable import Pipeline

/// What keeps the store's reads and writes the same cost at a million documents as at ten thousand: counters
/// kept by triggers, listing a tag off its index, search ranking a bounded set, candidates screened by
/// signature, story postings bounded to their window. Each must give what the plain way gives.
struct ScaleTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// A short article with declared tags; `n` makes its text its own.
    func page(_ n: Int, tags: [String], words: String = "", date: String? = nil) -> String {
        """
        Tags: \(tags.joined(separator: " | "))

        Item \(n): harbour report number \(n)

        By Staff Writer\(date.map { " | " + $0 } ?? "")

        The harbour authority in port \(n) said on Monday that shipments numbered \(n * 7) this week, \(words) \
        and that inspectors had checked every container arriving from the coast before noon.

        Officials expected volumes to rise by \(n % 13) per cent next month as the season began in earnest.
        """
    }

    /// Records `texts` in one batch through the real record path; returns the outcomes in order.
    @discardableResult
    func record(_ texts: [String], in db: CorpusDatabase, first: Int = 0) throws -> [ItemOutcome] {
        let names = texts.indices.map { "f\(first + $0).txt" }
        try db.register(names.map { InboxCandidate(path: InboxPath($0), size: 1, mtime: 1) }, now: now)
        let claimed = try db.claim(limit: texts.count, worker: "w", lease: 60, now: now)
        let processed = claimed.map { item in
            let bytes = Array(texts[names.firstIndex(of: item.path.description)!].utf8)
            return ProcessedItem(item: item, rawHash: Digest.sha256(bytes),
                                 result: ArticlePipeline().process(SourceFile(name: "x.txt", bytes: bytes)).mapError(IntakeFailure.pipeline))
        }
        return try db.record(processed, now: now).map(\.outcome)
    }

    func expectCountersAgree(_ db: CorpusDatabase, _ comment: Comment) throws {
        let kept = try db.counts()
        let counted = try db.countedCounts()
        #expect(kept.items == counted.items.filter { $0.value != 0 }, comment)
        #expect(kept.documents == counted.documents, comment)
        #expect(kept.lastIngest == counted.lastIngest, comment)
        #expect(kept.retrying == counted.retrying && kept.oldestPending == counted.oldestPending, comment)
    }

    @Test func theCountersAgreeWithTheRowsThroughEveryChange() throws {
        let db = try CorpusDatabase.inMemory()
        try expectCountersAgree(db, "empty")
        let texts = [page(1, tags: ["sport"]), page(1, tags: ["sport"]), "", page(2, tags: ["china"])]
        try record(texts, in: db)
        try expectCountersAgree(db, "after a batch with stored, duplicate and failed")
        #expect(try db.counts().items == [.stored: 2, .duplicate: 1, .failed: 1])

        try db.register([InboxCandidate(path: InboxPath("late.txt"), size: 1, mtime: 1)], now: now)
        let claimed = try db.claim(limit: 5, worker: "w", lease: 60, now: now)
        try expectCountersAgree(db, "claimed")
        try db.release(claimed.map(\.id), error: "disk full", notBefore: now.addingTimeInterval(30))
        try expectCountersAgree(db, "released with a back-off")
        _ = try db.claim(limit: 5, worker: "w2", lease: 60, now: now.addingTimeInterval(31))
        try db.recoverAbandoned(workerPrefix: "w2", now: now)
        try expectCountersAgree(db, "recovered")

        let failed = try #require(try db.items(state: .failed).first)
        #expect(try db.requeue(failed.id, at: InboxPath("again.txt"), heldUntil: now))
        try expectCountersAgree(db, "a failed item requeued")

        // A re-check that merges a document deletes it: the document counter follows.
        let strict = NearDuplicatePolicy(threshold: 0.99)
        let base = try String(contentsOf: DaemonHarness.seedsDirectory.appendingPathComponent("000_cec38e9690f741cb.txt"), encoding: .utf8)
        let cut = base.components(separatedBy: "\n").filter { !$0.hasPrefix("The sanctions were lifted") }.joined(separator: "\n")
        for (index, text) in [base, cut].enumerated() {
            try db.register([InboxCandidate(path: InboxPath("seed\(index).txt"), size: 1, mtime: 1)], now: now)
            let item = try db.claim(limit: 10, worker: "w3", lease: 60, now: now.addingTimeInterval(40))
            let bytes = Array(text.utf8)
            _ = try db.record(item.map { claimed in
                ProcessedItem(item: claimed, rawHash: Digest.sha256(bytes + [UInt8(claimed.id)]),
                              result: ArticlePipeline().process(SourceFile(name: "x.txt", bytes: bytes)).mapError(IntakeFailure.pipeline))
            }, now: now, policy: strict)
        }
        let documents = try db.counts().documents
        let merges = try db.recheckMerges(policy: NearDuplicatePolicy(), now: now) { _, _ in }
        #expect(merges.count >= 1)
        #expect(try db.counts().documents == documents - merges.count)
        try expectCountersAgree(db, "after a re-check merged documents")
    }

    @Test func theCountersStartFromTheRowsOfAnOlderDatabase() throws {
        let queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue, upTo: "near-duplicate band keys, copies' provenance, story clusters")
        try queue.write { db in
            for (index, state) in ["pending", "stored", "failed", "failed"].enumerated() {
                try db.execute(sql: "INSERT INTO item (path, name, size, first_seen, state, finished_at) VALUES (?, ?, 1, 1, ?, ?)",
                               arguments: [Data("p\(index)".utf8), "p\(index)", state, state == "pending" ? nil : 100 + Double(index)])
            }
            try db.execute(sql: """
                INSERT INTO document (title, body, body_hash, word_count, encoding, item_id, file, ingested_at)
                VALUES ('t', 'b', x'00', 1, 'utf-8', 2, 'p1', 1)
                """)
            try db.execute(sql: "INSERT INTO near_band VALUES (42, 1)")
        }
        let db = try CorpusDatabase(queue)
        try expectCountersAgree(db, "migrated")
        #expect(try db.counts().items == [.pending: 1, .stored: 1, .failed: 2])
        #expect(try db.counts().lastIngest == Date(timeIntervalSince1970: 101))
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT document_id FROM near_band WHERE key = 42") } == 1)
    }

    /// Asked after every drain of the queue and every poll of an idle daemon: the few undisposed items, read off
    /// their partial index, never every stored item's row.
    /// A recording transaction adds its documents to the full-text index as one FTS5 segment, not one per document
    /// (FTS5 writes a segment out at every statement that opens a savepoint, as a trigger's statement does).
    @Test func aRecordingTransactionWritesOneFullTextSegment() throws {
        let db = try CorpusDatabase.inMemory()
        let segments = { try db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(DISTINCT segid) FROM document_fts_idx") ?? 0 } }
        // FTS5's merges off, so that the segments written are the segments counted.
        try db.writer.write { try $0.execute(sql: "INSERT INTO document_fts (document_fts, rank) VALUES ('automerge', 0)") }
        let outcomes = try record((0..<20).map { page($0, tags: ["shipping"]) }, in: db)
        #expect(outcomes.allSatisfy { if case .stored = $0 { true } else { false } })
        #expect(try segments() == 1)
        try record((20..<30).map { page($0, tags: ["shipping"]) }, in: db, first: 20)
        #expect(try segments() == 2)
        // Every document is found, by its title and by its body.
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM document_fts WHERE document_fts MATCH 'harbour AND inspectors'") } == 30)
        #expect(try db.writer.read { try Int64.fetchAll($0, sql: "SELECT rowid FROM document_fts WHERE document_fts MATCH 'title:\"item 7\"'") }.count == 1)
        try db.writer.write { try $0.execute(sql: "INSERT INTO document_fts (document_fts, rank) VALUES ('integrity-check', 1)") }
    }

    @Test func undisposedItemsAreReadOffTheirIndex() throws {
        let db = try CorpusDatabase.inMemory()
        try db.writer.write { conn in
            for n in 1...300 {
                try conn.execute(sql: """
                    INSERT INTO item (path, name, size, first_seen, state, disposed_at) VALUES (?, ?, 1, 1, ?, ?)
                    """, arguments: [Data("p\(n)".utf8), "p\(n)", n % 7 == 0 ? "failed" : "stored", n == 120 || n == 240 ? nil : 5.0])
            }
        }
        #expect(try db.undisposed(limit: 10).map(\.id) == [120, 240])
        let plan = try db.writer.read { conn in
            try Row.fetchAll(conn, sql: "EXPLAIN QUERY PLAN " + CorpusDatabase.undisposedQuery, arguments: [10]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("item_undisposed") } && !plan.contains { $0.contains("item_state") }, "\(plan)")
    }

    @Test func listingATagNewestFirstGivesWhatFilteringEveryDocumentGives() throws {
        let db = try CorpusDatabase.inMemory()
        let tagSets = [["sport"], ["china"], ["sport", "china"], ["economy"], ["sport", "economy"]]
        try record((0..<40).map { page($0, tags: tagSets[$0 % tagSets.count]) }, in: db)
        let everything = try db.documents(filter: DocumentFilter(), limit: 1_000)
        #expect(everything.count == 40)
        let filters = [
            DocumentFilter(allTags: ["sport"]), DocumentFilter(allTags: ["china"]), DocumentFilter(allTags: ["sport", "china"]),
            DocumentFilter(allTags: ["sport"], notTags: ["economy"]), DocumentFilter(allTags: ["china"], anyTags: ["sport", "economy"]),
            DocumentFilter(allTags: ["sport"], text: "inspectors"),
        ]
        for filter in filters {
            let expected = everything.filter { doc in
                filter.allTags.allSatisfy(doc.tags.contains) && !filter.notTags.contains(where: doc.tags.contains)
                    && (filter.anyTags.isEmpty || filter.anyTags.contains(where: doc.tags.contains))
            }.map(\.id)
            #expect(!expected.isEmpty)
            #expect(try db.documents(filter: filter, limit: 1_000).map(\.id) == expected, "\(filter)")
            #expect(try db.documents(filter: filter, limit: 3, offset: 2).map(\.id) == Array(expected.dropFirst(2).prefix(3)), "\(filter)")
        }
        #expect(try db.documents(filter: DocumentFilter(allTags: ["no-such-tag"])).isEmpty)
    }

    @Test func publishedOrderPutsUndatedDocumentsLast() throws {
        let db = try CorpusDatabase.inMemory()
        try record([page(1, tags: ["a"]), page(2, tags: ["a"], date: "Saturday, 2 March 2024 10:00 AM EST"), page(3, tags: ["a"]),
                    page(4, tags: ["a"], date: "Tuesday, 5 March 2024 10:00 AM EST"), page(5, tags: ["a"])], in: db)
        let listed = try db.documents(filter: DocumentFilter(), sort: .published, limit: 10)
        let published = listed.map { $0.published != nil }
        #expect(published == published.sorted { $0 && !$1 }, "dated first: \(listed.map(\.published))")
        let dates = listed.compactMap(\.published)
        #expect(dates.count == 2 && listed.count == 5)
        #expect(dates == dates.sorted(by: >))
        // Undated ones newest first among themselves.
        let undated = listed.filter { $0.published == nil }.map(\.id)
        #expect(undated == undated.sorted(by: >))
    }

    @Test func aVeryCommonWordIsRankedAmongTheNewestMatchesOnlyAndSaysSo() throws {
        let db = try CorpusDatabase.inMemory()
        try record((0..<12).map { page($0, tags: ["sport"], words: $0 == 1 ? "zanzibar zanzibar zanzibar" : "") }, in: db)
        let all = try db.documents(filter: DocumentFilter(), limit: 100).map(\.id)
        let newest = Set(all.prefix(5))

        let bounded = try db.search("harbour", limit: 20, window: 5)
        #expect(bounded.rankedWithin == 5)
        #expect(Set(bounded.hits.map(\.document.id)) == newest)
        #expect(bounded.hits.allSatisfy { $0.markedSnippet.contains(SearchHit.hitStart) })

        let everything = try db.search("harbour", limit: 20, window: nil)
        #expect(everything.rankedWithin == nil && everything.hits.count == 12)
        // Fewer matches than the window: every one is ranked, best first.
        let rare = try db.search("zanzibar", limit: 20, window: 5)
        #expect(rare.rankedWithin == nil && rare.hits.count == 1)
        let ranks = try db.search("harbour OR zanzibar", limit: 20, window: 100).hits
        #expect(ranks.first?.document.id == all[all.count - 2])
        #expect(ranks.map(\.rank) == ranks.map(\.rank).sorted())
        // Filters apply to the bounded set too.
        let filtered = try db.search("harbour", filter: DocumentFilter(allTags: ["sport"]), limit: 2, offset: 1, window: 5)
        #expect(filtered.rankedWithin == 5 && filtered.hits.count == 2)
        #expect(Set(filtered.hits.map(\.document.id)).isSubset(of: newest))
    }

    @Test func theScreenKeepsCopiesAndSetsAsideUnrelatedDocuments() throws {
        let newsmax = try String(contentsOf: DaemonHarness.seedsDirectory.appendingPathComponent("000_cec38e9690f741cb.txt"), encoding: .utf8)
        let scmp = try String(contentsOf: DaemonHarness.seedsDirectory.appendingPathComponent("002_c94ece29d17d2aab.txt"), encoding: .utf8)
        let cut = newsmax.components(separatedBy: "\n").filter { !$0.hasPrefix("The sanctions were lifted") }.joined(separator: "\n")
        func signature(_ text: String) throws -> [UInt8] {
            NearDuplicate.screenSignature(try ArticlePipeline().process(SourceFile(name: "x.txt", bytes: Array(text.utf8))).get().nearDuplicate.minHash)
        }
        #expect(NearDuplicate.mayReach(0.7, try signature(newsmax), try signature(cut)))
        #expect(!NearDuplicate.mayReach(0.7, try signature(newsmax), try signature(scmp)))
        #expect(NearDuplicate.mayReach(0.7, [], [1]), "no signature: the body decides")
    }
}
