import Foundation
import GRDB
import NearDupLab
import Testing

@testable import Pipeline

/// The near-duplicate stages (pure) and the store's decisions, provenance, stories and re-check.
struct NearDuplicateTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func seedText(_ name: String) throws -> String {
        try String(contentsOf: DaemonHarness.seedsDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    static let newsmax = "000_cec38e9690f741cb.txt"
    static let scmp = "002_c94ece29d17d2aab.txt"

    /// The Newsmax seed as another site would syndicate it: new headline, no tag line, last paragraph cut.
    static func syndicatedNewsmax() throws -> String {
        var lines = try seedText(newsmax).components(separatedBy: "\n")
        lines.removeAll { $0.hasPrefix("Tags:") || $0.hasPrefix("Skip to") }
        lines = lines.map { $0 == "US, China Plan High-level Talks on Fentanyl Crisis" ? "Beijing to host US officials for fentanyl talks" : $0 }
        let last = lines.lastIndex { $0.hasPrefix("The sanctions were lifted") }!
        lines.remove(at: last)
        return "Source: Wire Syndicate\n" + lines.joined(separator: "\n")
    }

    func extract(_ text: String) throws -> ExtractedArticle {
        try ArticlePipeline().process(SourceFile(name: "x.txt", bytes: Array(text.utf8))).get()
    }

    /// Records `texts` (name, text) in one batch through the real record path.
    @discardableResult
    func record(_ texts: [(String, String)], in db: CorpusDatabase, policy: NearDuplicatePolicy = .init()) throws -> [String: ItemOutcome] {
        try db.register(texts.map { InboxCandidate(path: InboxPath($0.0), size: Int64($0.1.utf8.count), mtime: 1) }, now: now)
        let claimed = try db.claim(limit: texts.count, worker: "w", lease: 60, now: now)
        let byName = Dictionary(uniqueKeysWithValues: texts)
        let processed = claimed.map { item in
            let bytes = Array(byName[item.path.description]!.utf8)
            return ProcessedItem(item: item, rawHash: Digest.sha256(bytes),
                                 result: ArticlePipeline().process(SourceFile(name: item.path.fileName, bytes: bytes)).mapError(IntakeFailure.pipeline))
        }
        return Dictionary(uniqueKeysWithValues: try db.record(processed, now: now, policy: policy).map { ($0.path.description, $0.outcome) })
    }

    // MARK: stages

    @Test func fingerprintsAreDeterministicAndMeasureOverlap() throws {
        let original = try extract(try Self.seedText(Self.newsmax))
        let again = try extract(try Self.seedText(Self.newsmax))
        #expect(original.nearDuplicate == again.nearDuplicate)
        #expect(original.nearDuplicate.minHash.count == NearDuplicateParameters.standard.permutations)
        #expect(original.nearDuplicate.bandKeys.count == NearDuplicateParameters.standard.bands)
        // Band keys are stored: the same text must give the same keys in every process and on every machine.
        let pinned = NearDuplicate.fingerprint(normalizedBody: "the quick brown fox jumps over the lazy dog near the river bank")
        #expect(pinned.bandKeys.prefix(2) == [5_707_801_389_864_487_769, 8_536_031_897_954_628_089])

        let copy = try extract(try Self.syndicatedNewsmax())
        let exact = NearDuplicate.jaccard(original.nearDuplicate.shingles, copy.nearDuplicate.shingles)
        #expect(exact > 0.85 && exact < 1)
        let estimate = NearDuplicate.estimatedJaccard(original.nearDuplicate.minHash, copy.nearDuplicate.minHash)
        #expect(abs(estimate - exact) < 0.15)
        #expect(!Set(original.nearDuplicate.bandKeys).isDisjoint(with: copy.nearDuplicate.bandKeys))

        let other = try extract(try Self.seedText(Self.scmp))
        #expect(NearDuplicate.jaccard(original.nearDuplicate.shingles, other.nearDuplicate.shingles) < 0.1)
        #expect(Set(original.nearDuplicate.bandKeys).isDisjoint(with: other.nearDuplicate.bandKeys))
    }

    @Test func spotSignaturesAnchorOnStopwords() {
        let shingles = NearDuplicate.shingles(normalizedBody: "the minister said the talks ended badly", shingling: .spotSignatures(chain: 2))
        // Antecedents "the", "said", "the": each with the next two words that are not stopwords.
        #expect(shingles.count == 3)
        #expect(NearDuplicate.shingles(normalizedBody: "advertisement subscribe now", shingling: .spotSignatures(chain: 2)).count == 1)
    }

    @Test func theSeedsShareAStoryButNotTheirText() throws {
        let newsmax = try extract(try Self.seedText(Self.newsmax))
        let scmp = try extract(try Self.seedText(Self.scmp))
        let shared = Set(newsmax.storyTerms).intersection(scmp.storyTerms)
        #expect(shared.count >= NearDuplicatePolicy().minSharedStoryTerms, "shared story terms: \(shared.sorted())")
        #expect(shared.isSuperset(of: ["beijing", "biden", "china"]))
    }

    // MARK: store

    @Test func theSeedsAreTwoDocumentsInOneStory() throws {
        let db = try CorpusDatabase.inMemory()
        let outcomes = try record([(Self.newsmax, try Self.seedText(Self.newsmax)), (Self.scmp, try Self.seedText(Self.scmp))], in: db)
        guard case .stored(let a)? = outcomes[Self.newsmax], case .stored(let b)? = outcomes[Self.scmp] else {
            Issue.record("both seeds must be stored: \(outcomes)")
            return
        }
        let stories = try db.stories()
        #expect(stories.count == 1)
        #expect(Set(stories.first?.documents.map(\.id) ?? []) == [a, b])
        let kin = try db.kinship(of: a)
        #expect(kin.related.map(\.document.id) == [b])
        #expect(kin.duplicates.isEmpty)
        #expect(kin.story?.size == 2)
        #expect(try db.kinship(of: b).related.map(\.document.id) == [a])
    }

    @Test func aNearCopyIsADuplicateThatKeepsItsProvenance() throws {
        let db = try CorpusDatabase.inMemory()
        try record([(Self.newsmax, try Self.seedText(Self.newsmax))], in: db)
        let outcomes = try record([("syndicated.txt", try Self.syndicatedNewsmax()), (Self.scmp, try Self.seedText(Self.scmp))], in: db)
        guard case .duplicate(let of, .near, let similarity)? = outcomes["syndicated.txt"] else {
            Issue.record("expected a near duplicate: \(outcomes)")
            return
        }
        #expect(similarity >= NearDuplicatePolicy.defaultThreshold && similarity < 1)
        let groups = try db.duplicateGroups()
        #expect(groups.count == 1)
        let copy = try #require(groups.first?.copies.first)
        #expect(groups.first?.document.id == of)
        #expect(groups.first?.document.source == "Newsmax")
        #expect(copy.file == "syndicated.txt")
        #expect(copy.source == "Wire Syndicate")
        #expect(copy.title == "Beijing to host US officials for fentanyl talks")
        #expect(copy.kind == .near)
        #expect(copy.similarity == similarity)
        #expect(try db.kinship(of: of).duplicates.map(\.file) == ["syndicated.txt"])
        #expect(try db.counts().documents == 2)

        // With near-duplicate detection off, the same copy is a document of its own.
        let off = try CorpusDatabase.inMemory()
        try record([(Self.newsmax, try Self.seedText(Self.newsmax))], in: off, policy: NearDuplicatePolicy(threshold: nil))
        let stored = try record([("syndicated.txt", try Self.syndicatedNewsmax())], in: off, policy: NearDuplicatePolicy(threshold: nil))
        guard case .stored? = stored["syndicated.txt"] else {
            Issue.record("expected stored with detection off: \(stored)")
            return
        }
    }

    /// A band key many documents share is read newest first and only so far (`bandBucketLimit`), and no more than
    /// `maxScreened` candidates are screened, most shared bands first: the look-up's cost is bounded in rows.
    @Test func crowdedBandKeysAreReadNewestFirstAndOnlySoFar() throws {
        let db = try CorpusDatabase.inMemory()
        let base = try Self.seedText(Self.newsmax)
        for n in 1...5 {
            let text = base.replacingOccurrences(
                of: "The sanctions were lifted",
                with: "In week \(n + 10) of the talks, officials from both sides said they would meet again soon.\n\nThe sanctions were lifted")
            guard case .stored? = try record([("v\(n).txt", text)], in: db, policy: NearDuplicatePolicy(threshold: nil))["v\(n).txt"] else {
                Issue.record("v\(n).txt was not stored")
                return
            }
        }
        let d = try db.writer.read { try Int64.fetchAll($0, sql: "SELECT id FROM document ORDER BY id") }
        try #require(d.count == 5)
        // Filed again under chosen keys: 1, 2 and 3 are crowded, 4 is the two newest documents', 10 the oldest's alone.
        let same = [UInt32](repeating: 7, count: 100)
        let other = [UInt32](repeating: 9, count: 100)
        let keys: [[Int64]] = [[1, 2, 3, 10], [1, 2, 3], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4]]
        try db.writer.write { conn in
            for (index, id) in d.enumerated() {
                try db.unfileBands(id, fallback: [], db: conn)
                // The fourth document's screen signature cannot reach the threshold.
                try db.fileBands(id, NearDuplicateFingerprint(shingles: [], minHash: index == 3 ? other : same, bandKeys: keys[index]), db: conn)
            }
        }
        let probe = NearDuplicateFingerprint(shingles: [], minHash: same, bandKeys: [1, 2, 3, 4, 10])
        func candidates(before: Int64? = nil, _ change: (inout NearDuplicatePolicy) -> Void) throws -> [Int64] {
            var policy = NearDuplicatePolicy()
            change(&policy)
            return try db.writer.read { try db.candidates(of: probe, threshold: 0.7, policy: policy, before: before, db: $0) }
        }
        // Most shared bands first (four: the fifth, the oldest; three: the third, the second), then the newest.
        #expect(try candidates { _ in } == [d[4], d[0], d[2], d[1]], "the fourth is screened out")
        // Two documents read per key: the second and third, filed only under crowded keys, never come up.
        #expect(try candidates { $0.bandBucketLimit = 2 } == [d[4], d[0]])
        #expect(try candidates { $0.maxScreened = 3 } == [d[4], d[0]], "three screened, of which one set aside")
        #expect(try candidates { $0.maxCandidates = 2 } == [d[4], d[0]])
        // Before a document (a re-check): only older ones, newest first.
        #expect(try candidates(before: d[3]) { $0.bandBucketLimit = 1 } == [d[2], d[0]])
    }

    /// Each term's count of documents (what `linkStory` reads to skip common terms) is the number of documents posting
    /// it under their date or their undated arrival, or filing it as too common to post.
    func storyTermCountsMatch(_ db: CorpusDatabase, _ when: String) throws {
        let (kept, counted) = try db.writer.read { db in
            (try Row.fetchAll(db, sql: "SELECT term, documents FROM story_term_count WHERE documents > 0 ORDER BY term")
                .map { "\($0["term"] as String)=\($0["documents"] as Int)" },
             try Row.fetchAll(db, sql: """
                SELECT term, COUNT(*) AS n FROM (SELECT term FROM story_term WHERE clock <> 2
                                                 UNION ALL SELECT term FROM story_term_unposted) GROUP BY term ORDER BY term
                """).map { "\($0["term"] as String)=\($0["n"] as Int)" })
        }
        #expect(!counted.isEmpty, "\(when): no postings")
        #expect(kept == counted, "\(when)")
    }

    /// The counts follow the postings through stores, a merge (which deletes a document) and a split.
    @Test func storyTermCountsFollowThePostings() throws {
        let db = try CorpusDatabase.inMemory()
        let strict = NearDuplicatePolicy(threshold: 0.99)
        func countsMatch(_ when: String) throws { try storyTermCountsMatch(db, when) }
        try record([(Self.newsmax, try Self.seedText(Self.newsmax))], in: db, policy: strict)
        try record([("syndicated.txt", try Self.syndicatedNewsmax()), (Self.scmp, try Self.seedText(Self.scmp))], in: db, policy: strict)
        try countsMatch("after three documents")
        // "china" is a story term of both seeds and of the syndicated copy.
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT documents FROM story_term_count WHERE term = 'china'") } == 3)
        let merges = try db.recheckMerges(policy: NearDuplicatePolicy(), chunk: 2, now: now) { _, _ in }
        #expect(merges.count == 1)
        try countsMatch("after a merge")
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT documents FROM story_term_count WHERE term = 'china'") } == 2)
        let toJudge = try #require(try db.copiesToRejudge(threshold: 0.99, after: 0, limit: 10).first)
        guard case .split = try db.rejudge(toJudge, extracted: try extract(try Self.syndicatedNewsmax()), rawHash: nil, policy: strict, now: now)
        else { Issue.record("expected a split"); return }
        try countsMatch("after a split")
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT documents FROM story_term_count WHERE term = 'china'") } == 3)
    }

    /// A term that enough documents already carry is counted but not posted; a merge that deletes such a document
    /// uncounts it.
    @Test func aTermCommonSeveralTimesOverIsCountedButNotPosted() throws {
        let db = try CorpusDatabase.inMemory()
        // Common past one carrier (at most one per window, and never fewer than one), not posted from two carriers on.
        var policy = NearDuplicatePolicy(threshold: 0.99)
        policy.commonTermLimit = 1
        policy.unpostedCommonFactor = 1
        func china(_ sql: String) throws -> Int { try db.writer.read { try Int.fetchOne($0, sql: sql) ?? -1 } }
        try record([(Self.newsmax, try Self.seedText(Self.newsmax))], in: db, policy: policy)
        try record([(Self.scmp, try Self.seedText(Self.scmp)), ("syndicated.txt", try Self.syndicatedNewsmax())], in: db, policy: policy)
        let syndicated = try #require(try db.items(state: .stored).first { $0.name == "syndicated.txt" }?.documentID)
        #expect(try china("SELECT documents FROM story_term_count WHERE term = 'china'") == 3)
        #expect(try china("SELECT COUNT(*) FROM story_term WHERE term = 'china' AND clock <> 2") == 2)
        #expect(try china("SELECT document_id FROM story_term_unposted WHERE term = 'china'") == Int(syndicated))
        // Not posted under any clock (its other terms, carried by fewer, are).
        #expect(try china("SELECT COUNT(*) FROM story_term WHERE term = 'china' AND document_id = \(syndicated)") == 0)
        #expect(try china("SELECT COUNT(*) FROM story_term WHERE document_id = \(syndicated)") > 0)
        try storyTermCountsMatch(db, "after three documents")

        let merges = try db.recheckMerges(policy: NearDuplicatePolicy(), chunk: 2, now: now) { _, _ in }
        #expect(merges.map(\.document) == [syndicated])
        #expect(try china("SELECT documents FROM story_term_count WHERE term = 'china'") == 2)
        #expect(try china("SELECT COUNT(*) FROM story_term_unposted") == 0)
        try storyTermCountsMatch(db, "after a merge")
    }

    @Test func recheckMergesAtALowerThresholdAndSplitsAgainAtAHigherOne() throws {
        let db = try CorpusDatabase.inMemory()
        let strict = NearDuplicatePolicy(threshold: 0.99)
        try record([(Self.newsmax, try Self.seedText(Self.newsmax))], in: db, policy: strict)
        try record([("syndicated.txt", try Self.syndicatedNewsmax()), (Self.scmp, try Self.seedText(Self.scmp))], in: db, policy: strict)
        #expect(try db.counts().documents == 3)
        let syndicatedDocument = try #require(try db.items(state: .stored).first { $0.name == "syndicated.txt" }?.documentID)

        var reported: [(Int, Int)] = []
        let merges = try db.recheckMerges(policy: NearDuplicatePolicy(), chunk: 2, now: now) { reported.append(($0, $1)) }
        #expect(reported.map(\.0) == [2, 3] && reported.allSatisfy { $0.1 == 3 })
        #expect(merges.count == 1)
        let merge = try #require(merges.first)
        #expect(merge.document == syndicatedDocument)
        #expect(try db.counts().documents == 2)
        #expect(try db.counts().count(.duplicate) == 1)
        let copy = try #require(try db.kinship(of: merge.into).duplicates.first)
        #expect(copy.file == "syndicated.txt" && copy.kind == .near && copy.title == "Beijing to host US officials for fentanyl talks")
        #expect(try db.items(state: .duplicate).first?.documentID == merge.into)
        // Merged at 0.7 and at or above it: nothing to judge again at 0.7, the copy at 0.99.
        #expect(try db.copiesToRejudge(threshold: 0.7, after: 0, limit: 10).isEmpty)
        #expect(try db.countCopiesToRejudge(threshold: 0.99) == 1)
        let toJudge = try #require(try db.copiesToRejudge(threshold: 0.99, after: 0, limit: 10).first)
        #expect(toJudge.itemID == copy.itemID && toJudge.documentID == merge.into && toJudge.originalName == InboxPath("syndicated.txt"))

        // Raised again: judged again, the copy is its own document once more, with tags, story and search row.
        guard case .split(let split) = try db.rejudge(toJudge, extracted: try extract(try Self.syndicatedNewsmax()), rawHash: nil,
                                                      policy: strict, now: now)
        else { Issue.record("expected a split"); return }
        #expect(split.outcome == .stored && split.from == merge.into && split.item == copy.itemID)
        #expect(try db.counts().documents == 3 && db.counts().count(.duplicate) == 0 && db.counts().count(.stored) == 3)
        #expect(try db.duplicateGroups().isEmpty)
        #expect(try db.items(state: .stored).first { $0.name == "syndicated.txt" }?.documentID == split.document)
        #expect(try db.kinship(of: split.document).story?.size == 3)
        #expect(try !db.tags(ofDocument: split.document).isEmpty)
        let found = try db.writer.read {
            try Int64.fetchAll($0, sql: "SELECT rowid FROM document_fts WHERE document_fts MATCH 'fentanyl' ORDER BY rowid")
        }
        #expect(found == (try db.writer.read { try Int64.fetchAll($0, sql: "SELECT id FROM document ORDER BY id") }))
        // The full-text index agrees with the documents after the merge's delete and the split's insert (FTS5's own check).
        try db.writer.write { try $0.execute(sql: "INSERT INTO document_fts (document_fts, rank) VALUES ('integrity-check', 1)") }
        // Settled: nothing is listed again, and a stale copy is left alone.
        #expect(try db.copiesToRejudge(threshold: 0.99, after: 0, limit: 10).isEmpty)
        #expect(try db.rejudge(toJudge, extracted: try extract(try Self.syndicatedNewsmax()), rawHash: nil, policy: strict, now: now)
            == .changed)
    }

    @Test func aSplitCopyTakesTheFilesWithItsVeryBytesAlong() throws {
        let db = try CorpusDatabase.inMemory()
        try record([(Self.newsmax, try Self.seedText(Self.newsmax))], in: db)
        let copy = try Self.syndicatedNewsmax()
        let outcomes = try record([("syndicated.txt", copy), ("syndicated-again.txt", copy)], in: db)
        guard case .duplicate(let original, .near, _)? = outcomes["syndicated.txt"],
              case .duplicate(original, .exactBytes, _)? = outcomes["syndicated-again.txt"]
        else { Issue.record("\(outcomes)"); return }
        // Only the near copy is judged again; the exact one follows it.
        let toJudge = try db.copiesToRejudge(threshold: 0.99, after: 0, limit: 10)
        #expect(toJudge.map(\.originalName) == [InboxPath("syndicated.txt")])
        guard case .split(let split) = try db.rejudge(toJudge[0], extracted: try extract(copy), rawHash: Digest.sha256(Array(copy.utf8)),
                                                      policy: NearDuplicatePolicy(threshold: 0.99), now: now)
        else { Issue.record("expected a split"); return }
        #expect(split.outcome == .stored && split.from == original)
        let groups = try db.duplicateGroups()
        #expect(groups.map(\.document.id) == [split.document])
        #expect(groups.first?.copies.map(\.file) == ["syndicated-again.txt"] && groups.first?.copies.first?.kind == .exactBytes)
        #expect(try db.items(state: .duplicate).map(\.documentID) == [split.document])
        #expect(try db.copiesToRejudge(threshold: 0.99, after: 0, limit: 10).isEmpty)
    }

    @Test func theThresholdInForceIsTheSettingsThenTheCorpusThenTheDefault() {
        let judged = NearJudgement(threshold: 0.9, complete: true, judgedAt: now)
        #expect(NearThresholdChoice.decide(configured: nil, recorded: nil) == .init(threshold: 0.7, source: .defaults))
        #expect(NearThresholdChoice.decide(configured: nil, recorded: judged) == .init(threshold: 0.9, source: .corpus))
        let configured = NearThresholdChoice.decide(configured: .some(0.8), recorded: judged)
        #expect(configured.threshold == 0.8 && configured.source == .settings)
        #expect(configured.warning?.contains("judged at threshold 0.9") == true)
        #expect(NearThresholdChoice.decide(configured: .some(0.9), recorded: judged).warning == nil)
        #expect(NearThresholdChoice.decide(configured: .some(nil), recorded: judged).threshold == nil)
        var interrupted = judged
        interrupted.complete = false
        #expect(NearThresholdChoice.decide(configured: nil, recorded: interrupted).warning?.contains("did not finish") == true)
    }
}

/// The labelled evaluation set (generated by NearDupLab), recorded through the real store.
struct NearDuplicateEvaluationTests {
    @Test func theFinalMethodMeetsItsTargetsOnTheLabelledSet() throws {
        let files = EvaluationSet.make()
        #expect(files.count > 400)
        let (run, _) = try StoreRun.run(files, policy: NearDuplicatePolicy())
        let final = DuplicateScores.score(files, decisions: run.decisions)
        #expect(final.precision >= 0.99, "\(final)")
        #expect(final.recall >= 0.95, "\(final)")
        // The set is not one that exact hashing already solves.
        let exact = Evaluation(files: files).score(.exactOnly)
        #expect(exact.recall < 0.5, "\(exact)")
        // Same-event articles mostly land in one story, and stories rarely mix events.
        let stories = run.storyScores(files)
        #expect(stories.precision >= 0.75 && stories.recall >= 0.7, "\(stories)")
    }
}
