import Foundation
import GRDB
import NearDupLab
import Testing

@testable import Pipeline

/// Near-duplicate look-ups made ahead on a reader's snapshot (`NearMatchAhead`): with the writer's look among the
/// documents stored since, they decide what the writer alone would, and a stale one is not trusted.
struct NearMatchAheadTests {
    let now = Date(timeIntervalSince1970: 1_735_689_600)

    /// Records `files` in batches of `batch`; each batch's look-ups are made ahead `lag` batches early (the ingestor
    /// makes them while the batch before is being recorded: lag 1), or not at all (nil). Returns each file's
    /// outcome and how many batches were recorded after a merge of the band index that came after their snapshot.
    /// In batches of `batchSize`; with `sharing`, look-ups are made in pieces on the cores it leaves (`lookingAhead`).
    func run(_ files: [LabelledFile], lag: Int?, levels: BandIndexLevels, batchSize: Int = 16,
             sharing: CoreShare? = nil) throws -> (outcomes: [String], mergedSince: Int) {
        var db = try CorpusDatabase.inMemory()
        db.bandLevels = levels
        let policy = NearDuplicatePolicy()
        let batches = stride(from: 0, to: files.count, by: batchSize).map { Array(files[$0..<min($0 + batchSize, files.count)]) }
        var processed: [[ProcessedItem]] = []
        for (n, batch) in batches.enumerated() {
            try db.register(batch.map { InboxCandidate(path: InboxPath("\(n)/\($0.name)"), size: 1, mtime: 0) }, now: now)
            let claimed = try db.claim(limit: batch.count, worker: "w", lease: 60, now: now)
            let byName = Dictionary(uniqueKeysWithValues: batch.map { ($0.name, $0) })
            processed.append(claimed.sorted { $0.id < $1.id }.map { item in
                let file = byName[item.path.fileName]!
                return ProcessedItem(item: item, rawHash: nil,
                                     result: ArticlePipeline().process(SourceFile(name: file.name, bytes: file.bytes)).mapError(IntakeFailure.pipeline))
            })
        }
        var ahead: [Int: [ProcessedItem]] = [:]
        var outcomes: [String] = []
        var mergedSince = 0
        for n in 0..<batches.count {
            if let lag {
                // The snapshot of batch n + lag is taken now, before batches n … n + lag - 1 are recorded.
                for m in [n, n + lag] where m < batches.count && ahead[m] == nil {
                    ahead[m] = db.lookingAhead(processed[m], policy: policy, sharing: sharing)
                }
            }
            let items = ahead[n] ?? processed[n]
            if let through = items.lazy.compactMap(\.nearAhead).first?.through,
                let merged = try db.writer.read({ try db.corpusStat(CorpusDatabase.mergedThroughCounter, db: $0) }), merged > through
            {
                mergedSince += 1
            }
            outcomes += try db.record(items, now: now, policy: policy).map { recorded in
                switch recorded.outcome {
                case .stored: "stored"
                case .duplicate(let of, let kind, let similarity): "\(kind.rawValue) of \(of) at \(similarity)"
                case .failed(let why): "failed: \(why)"
                }
            }
        }
        return (outcomes, mergedSince)
    }

    @Test func lookUpsMadeAheadDecideWhatTheWriterAloneDecides() throws {
        let files = Array(EvaluationSet.make().prefix(240))
        // Merged every ~8 documents: some batches' snapshots are older than the last merge.
        let levels = BandIndexLevels(recentLimit: 200, sweepShare: 2)
        let alone = try run(files, lag: nil, levels: levels)
        let ahead = try run(files, lag: 1, levels: levels)
        let farAhead = try run(files, lag: 3, levels: levels)
        // Batches of 80, their look-ups in pieces of `lookAheadPiece`, each its own snapshot, on two cores.
        let aloneLarge = try run(files, lag: nil, levels: levels, batchSize: 80)
        let inPieces = try run(files, lag: 1, levels: levels, batchSize: 80, sharing: CoreShare(cores: 2))
        #expect(80 > CorpusDatabase.lookAheadPiece)
        #expect(aloneLarge.outcomes == alone.outcomes)
        #expect(alone.outcomes.filter { $0.hasPrefix("near") }.count >= 20, "the set has near copies to find")
        #expect(ahead.mergedSince > 0 && farAhead.mergedSince > 0 && inPieces.mergedSince > 0, "some snapshots came before a merge")
        for (lag, run) in [(1, ahead), (3, farAhead), (1, inPieces)] {
            let differing = zip(run.outcomes, alone.outcomes).enumerated().filter { $0.element.0 != $0.element.1 }
            #expect(run.outcomes.count == alone.outcomes.count && differing.isEmpty,
                    "lag \(lag): \(differing.count) outcomes differ, first: \(differing.prefix(3).map { "file \($0.offset): \($0.element)" })")
        }
    }

    /// The writer trusts a look-up made ahead under its policy and with no document taken out of the band index
    /// since; any other it makes again.
    @Test func aStaleLookUpIsMadeAgain() throws {
        let db = try CorpusDatabase.inMemory()
        let newsmax = try NearDuplicateTests.seedText(NearDuplicateTests.newsmax)
        let scmp = try NearDuplicateTests.seedText(NearDuplicateTests.scmp)
        let policy = NearDuplicatePolicy()
        try db.register([InboxCandidate(path: InboxPath("a.txt"), size: 1, mtime: 0)], now: now)
        let first = try db.claim(limit: 1, worker: "w", lease: 60, now: now)
        let extract = { (text: String) in
            ArticlePipeline().process(SourceFile(name: "x.txt", bytes: Array(text.utf8))).mapError(IntakeFailure.pipeline)
        }
        guard case .stored(let stored)? = try db.record([ProcessedItem(item: first[0], rawHash: nil, result: extract(newsmax))],
                                                         now: now, policy: policy).first?.outcome
        else {
            Issue.record("the first seed was not stored")
            return
        }
        // A made-up match: the other seed is no copy of the first, so only a trusted look-up ahead makes it one.
        func outcome(_ ahead: NearMatchAhead, _ name: String) throws -> ItemOutcome? {
            try db.register([InboxCandidate(path: InboxPath(name), size: 1, mtime: 0)], now: now)
            let claimed = try db.claim(limit: 1, worker: "w", lease: 60, now: now)
            return try db.record([ProcessedItem(item: claimed[0], rawHash: nil, result: extract(scmp + "\n\(name)"), nearAhead: ahead)],
                                 now: now, policy: policy).first?.outcome
        }
        let through = stored
        #expect(try outcome(NearMatchAhead(policy: policy, through: through, unfiled: 0, match: (stored, 0.9)), "trusted.txt")
            == .duplicate(of: stored, kind: .near, similarity: 0.9))
        var other = policy
        other.threshold = 0.75
        #expect(try outcome(NearMatchAhead(policy: other, through: through, unfiled: 0, match: (stored, 0.9)), "policy.txt")?.state == .stored)
        // Taken out of the band index (as a re-check does before it files a document again): the match may be gone.
        try db.writer.write { try db.unfileBands(stored, fallback: [], db: $0) }
        let again = try outcome(NearMatchAhead(policy: policy, through: through, unfiled: 0, match: (stored, 0.9)), "unfiled.txt")
        if case .duplicate(let of, _, _)? = again { #expect(of != stored) }
    }
}
