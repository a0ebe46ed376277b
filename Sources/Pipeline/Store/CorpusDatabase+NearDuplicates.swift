import Foundation
import GRDB

/// How near-duplicates and related stories are decided.
public struct NearDuplicatePolicy: Sendable, Hashable, Codable {
    /// Exact Jaccard similarity of shingle sets at or above which a body repeats a stored one;
    /// nil turns near-duplicate detection off (exact bytes and same text still apply).
    public var threshold: Double? = NearDuplicatePolicy.defaultThreshold
    /// LSH candidates verified per look-up, those sharing the most bands first.
    public var maxCandidates = 8
    /// Of the documents filed under one band key, the newest this many are candidates. A key that many documents
    /// share is a common phrase's band (in a 100 k-document corpus one key was filed under 1,394 documents, and
    /// the median new document met 12 documents by such chance agreements): read whole, its bucket would grow with
    /// the corpus, and so would the look-up.
    public var bandBucketLimit = 32
    /// Candidates whose screen signature is read, the most shared bands first, then the newest: each is a read
    /// at a random place of `near_signature`.
    public var maxScreened = 16
    /// Related stories: documents sharing at least this many story terms …
    public var minSharedStoryTerms = 5
    /// … close in time: publication dates at most this far apart when both are known, else arrival times.
    public var storyWindow: TimeInterval = 7 * 86_400
    /// A term is too common to link stories when more than this many documents of the time window carry it,
    /// or more than this many per `commonTermPopulation` documents of the corpus (never fewer than this many).
    public var commonTermLimit = 16
    public var commonTermPopulation = 5_000
    /// A term that more than this many times the common limit (`commonTermLimit`, or its share of the corpus) already
    /// carry is counted but not posted: no document would read the posting until the corpus had grown this many times
    /// over. With every posting of such a term at a random place of `story_term`, they were 40 % of the pages the writer
    /// wrote at 200 k documents, and the share grew with the corpus (BENCHMARKS.md, "Postings nobody reads").
    public var unpostedCommonFactor = 4
    /// Links recorded per new document, the strongest first.
    public var maxRelated = 8
    /// A story this large is not merged into another when a document bridges them.
    public var maxStoryMerge = 100

    /// Chosen on the labelled evaluation set (BENCHMARKS.md, "Near-duplicates"): copies there keep
    /// Jaccard ≥ 0.68 to their original, other articles on the same event stay ≤ 0.53.
    public static let defaultThreshold = 0.7

    public init(threshold: Double? = NearDuplicatePolicy.defaultThreshold) { self.threshold = threshold }
}

/// Which time a story posting is filed under (`story_term.clock`).
enum StoryClock: Int {
    /// A dated document's publication date.
    case published = 0
    /// The arrival of a document without a date.
    case arrivalUndated = 1
    /// The arrival of a dated document: undated documents are compared with it.
    case arrivalDated = 2
}

/// A near-duplicate look-up made before the recording transaction, on a reader's snapshot and in parallel with
/// the writer: the best match among the documents the snapshot held. The writer then looks only among the
/// documents stored since (`CorpusDatabase.nearDuplicate(of:ahead:policy:db:)`), so the band probes, screen
/// signatures and bodies of the whole corpus are read off the one writer thread and out of its page cache.
public struct NearMatchAhead: Sendable {
    /// The policy it was made under; under any other the writer looks again.
    let policy: NearDuplicatePolicy
    /// The highest document id in the snapshot: documents after it are the writer's to look at.
    let through: Int64
    /// How many documents had left the band index by the snapshot (`near_band.unfiled`): when more have since
    /// (a re-check merged one), the match may be gone, and the writer looks again.
    let unfiled: Int64
    let match: NearMatch?
}

/// A processed file or entry, whose near-duplicate look-up can be made ahead.
public protocol LooksAhead: Sendable {
    var result: Result<ExtractedArticle, IntakeFailure> { get }
    var nearAhead: NearMatchAhead? { get set }
}

extension ProcessedItem: LooksAhead {}
extension ProcessedEntry: LooksAhead {}

/// A stored document a body repeats, and how similar the two are (exact Jaccard of shingle sets).
typealias NearMatch = (documentID: Int64, similarity: Double)

/// The canonical rule: the first copy stored is the document; every later copy (exact bytes, same text,
/// or near) is recorded as a duplicate of it and keeps its own provenance in `document_copy`.
extension CorpusDatabase {
    /// Among the LSH candidates, the stored document most similar to `fingerprint` (exact Jaccard of shingle
    /// sets; the earlier on a tie) when at least `policy.threshold`; only documents with id < `before` and
    /// > `after` when given.
    func nearDuplicate(of fingerprint: NearDuplicateFingerprint, policy: NearDuplicatePolicy, before: Int64? = nil,
                       after: Int64? = nil, db: Database) throws -> NearMatch?
    {
        guard let threshold = policy.threshold, !fingerprint.bandKeys.isEmpty else { return nil }
        var best: NearMatch?
        for candidate in try candidates(of: fingerprint, threshold: threshold, policy: policy, before: before, after: after,
                                        db: db)
        {
            let similarity = try similarity(of: fingerprint, toDocument: candidate, db: db)
            guard similarity >= threshold else { continue }
            best = Self.better(best, (candidate, similarity))
        }
        return best
    }

    /// The more similar of two matches; the earlier document on a tie.
    static func better(_ a: NearMatch?, _ b: NearMatch?) -> NearMatch? {
        guard let a else { return b }
        guard let b else { return a }
        return b.similarity > a.similarity || (b.similarity == a.similarity && b.documentID < a.documentID) ? b : a
    }

    /// The writer's half of a look-up made ahead: the documents stored since `ahead`'s snapshot are looked at
    /// (their band keys are still in the recent level, which stays cached, unless a merge moved them since),
    /// and the better of their match and `ahead`'s wins. Without a usable `ahead` (none, another policy, or
    /// documents left the band index since), the whole look-up is made here.
    func nearDuplicate(of fingerprint: NearDuplicateFingerprint, ahead: NearMatchAhead?, policy: NearDuplicatePolicy,
                       db: Database) throws -> NearMatch?
    {
        guard let ahead, ahead.policy == policy, try corpusStat(Self.unfiledCounter, db: db) ?? 0 == ahead.unfiled else {
            return try nearDuplicate(of: fingerprint, policy: policy, db: db)
        }
        return Self.better(ahead.match, try nearDuplicate(of: fingerprint, policy: policy, after: ahead.through, db: db))
    }

    /// Makes the near-duplicate look-up of each fingerprint ahead, in one read transaction (a reader's snapshot
    /// when the database is a pool, so that it runs beside the writer). Nil for an article without one, and for
    /// all when near-duplicate detection is off or the read fails (the writer then looks itself).
    public func nearMatchesAhead(_ fingerprints: [NearDuplicateFingerprint?], policy: NearDuplicatePolicy) -> [NearMatchAhead?] {
        guard policy.threshold != nil, fingerprints.contains(where: { $0 != nil }) else {
            return Array(repeating: nil, count: fingerprints.count)
        }
        do {
            return try writer.read { db in
                let through = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(id) FROM document")) ?? 0
                let unfiled = try corpusStat(Self.unfiledCounter, db: db) ?? 0
                return try fingerprints.map { fingerprint in
                    try fingerprint.map { fingerprint in
                        NearMatchAhead(policy: policy, through: through, unfiled: unfiled,
                                       match: try nearDuplicate(of: fingerprint, policy: policy, db: db))
                    }
                }
            }
        } catch {
            return Array(repeating: nil, count: fingerprints.count)
        }
    }

    /// Documents filed under at least one of the fingerprint's band keys (of each key the newest
    /// `policy.bandBucketLimit`), most shared bands first, then the newest; of those, the first
    /// `policy.maxScreened` are screened and those whose screen signature shows they cannot reach `threshold`
    /// are set aside, so that no more than `policy.maxCandidates` bodies are read. Every bound is a number of
    /// rows, not a share of the corpus: the look-up costs the same at 10 k documents as at 1 M.
    func candidates(of fingerprint: NearDuplicateFingerprint, threshold: Double, policy: NearDuplicatePolicy,
                    before: Int64?, after: Int64? = nil, db: Database) throws -> [Int64]
    {
        var shared: [Int64: Int] = [:]
        for (_, document) in try bandBuckets(fingerprint.bandKeys, limit: policy.bandBucketLimit, before: before, after: after,
                                             db: db)
        {
            shared[document, default: 0] += 1
        }
        let ranked = NearDuplicate.rankCandidates(shared).prefix(policy.maxScreened)
        let screen = try db.cachedStatement(sql: "SELECT minhash FROM near_signature WHERE document_id = ?")
        let mine = NearDuplicate.screenSignature(fingerprint.minHash)
        var kept: [Int64] = []
        for candidate in ranked {
            // A document stored before signatures were kept has none: its body decides, as it always did.
            if let theirs = try screen.bytesDirect(candidate), !NearDuplicate.mayReach(threshold, mine, theirs)
            {
                continue
            }
            kept.append(candidate)
            if kept.count == policy.maxCandidates { break }
        }
        return kept
    }

    /// Files or entries with their near-duplicate look-ups made ahead (`nearMatchesAhead`). Given a `CoreShare`, in
    /// pieces of `lookAheadPiece`, each its own read transaction, spread over the cores the share leaves free: at
    /// 600 k documents the look-ups cost about half of what parsing does (their band pages are read from the file
    /// again in every read transaction, the WAL having changed), and made in one transaction they left a core idle
    /// whenever the writer waited for them.
    public func lookingAhead<Processed: LooksAhead>(_ processed: [Processed], policy: NearDuplicatePolicy,
                                                    sharing cores: CoreShare? = nil) -> [Processed] {
        let fingerprints = processed.map { try? $0.result.get().nearDuplicate }
        let ahead: [NearMatchAhead?]
        if let cores, fingerprints.count > Self.lookAheadPiece {
            let pieces = stride(from: 0, to: fingerprints.count, by: Self.lookAheadPiece).map {
                Array(fingerprints[$0..<min($0 + Self.lookAheadPiece, fingerprints.count)])
            }
            ahead = pieces.concurrentMap(sharing: cores) { nearMatchesAhead($0, policy: policy) }.flatMap { $0 }
        } else {
            ahead = nearMatchesAhead(fingerprints, policy: policy)
        }
        return zip(processed, ahead).map { processed, ahead in
            var processed = processed
            processed.nearAhead = ahead
            return processed
        }
    }

    /// Look-ups made ahead in one read transaction, at most (see `lookingAhead`).
    static let lookAheadPiece = 32

    /// Exact Jaccard similarity between a fingerprint and a stored document's body.
    func similarity(of fingerprint: NearDuplicateFingerprint, toDocument id: Int64, db: Database) throws -> Double {
        guard let body = try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM document WHERE id = ?"), arguments: [id])
        else { return 0 }
        let shingles = NearDuplicate.shingles(normalizedBody: Normalizer.normalize(body),
                                              shingling: NearDuplicateParameters.standard.shingling)
        return NearDuplicate.jaccard(fingerprint.shingles, shingles)
    }

    /// Files a new document under its band keys, and links it to the stories it shares.
    func fileRelations(of documentID: Int64, _ extracted: ExtractedArticle, policy: NearDuplicatePolicy, now: Date,
                       db: Database) throws
    {
        try fileBands(documentID, extracted.nearDuplicate, db: db)
        try linkStory(documentID, terms: extracted.storyTerms, fingerprint: extracted.nearDuplicate, policy: policy, db: db)
    }

    /// Decides and records one item's outcome; a duplicate's own provenance goes with its document.
    func recordOutcome(of item: ProcessedItem, policy: NearDuplicatePolicy, db: Database, now: Date) throws -> ItemOutcome {
        let outcome = try outcome(of: item, policy: policy, db: db, now: now)
        try finish(item, outcome: outcome, db: db, now: now)
        if case .duplicate(let original, let kind, let similarity) = outcome {
            try recordCopy(item, of: original, kind: kind, similarity: similarity, now: now, db: db)
        }
        return outcome
    }

    /// Keeps a duplicate file's own provenance with the canonical document.
    func recordCopy(_ item: ProcessedItem, of documentID: Int64, kind: DuplicateKind, similarity: Double, now: Date,
                    db: Database) throws
    {
        let article = try? item.result.get().article
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO document_copy (item_id, document_id, kind, similarity, file, source, title, url, published, seen_at,
                                                  judged_against)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                item.item.id, documentID, kind.rawValue, similarity, item.item.path.fileName, article?.source,
                article?.title, article?.url, article?.published?.iso8601, now.timeIntervalSince1970, documentID,
            ])
    }

    /// Links a new document to others on the same story (enough shared story terms that are not common in
    /// the window, close in time, not a duplicate) and puts them in one story cluster.
    ///
    /// Close in time: publication dates at most `policy.storyWindow` apart when both documents have one;
    /// arrival times (`ingested_at`, when the file came) when either has none. Each document posts its terms
    /// under its date (`StoryClock.published`) and its arrival (`.arrivalUndated` or `.arrivalDated`), so that
    /// every comparison is one range of the primary key (term, clock, time): never a scan, whatever the ids. A term
    /// already `policy.unpostedCommonFactor` times too common is filed in `story_term_unposted` instead (by document,
    /// so appended): counted, never posted, never looked up.
    private func linkStory(_ documentID: Int64, terms: [String], fingerprint: NearDuplicateFingerprint,
                           policy: NearDuplicatePolicy, db: Database) throws
    {
        guard let times = try Row.fetchOne(db.cachedStatement(sql: "SELECT published_at, ingested_at FROM document WHERE id = ?"),
                                           arguments: [documentID])
        else { return }
        let published: Double? = times["published_at"]
        let arrived: Double = times["ingested_at"]
        // Where this document's terms are posted, and which postings it is compared with.
        let posted: [(StoryClock, Double)] = published.map { [(.published, $0), (.arrivalDated, arrived)] } ?? [(.arrivalUndated, arrived)]
        let compared: [(StoryClock, Double)] = published.map { [(.published, $0), (.arrivalUndated, arrived)] }
            ?? [(.arrivalUndated, arrived), (.arrivalDated, arrived)]
        let insertTerm = try db.cachedStatement(sql: "INSERT OR IGNORE INTO story_term (term, clock, at, document_id) VALUES (?, ?, ?, ?)")
        // Counted here rather than by a trigger: a statement that fires a trigger keeps a statement journal of every
        // page it touches (~2.8 pages of 4 KiB per posting), the costliest write of a stored document before this.
        // It returns the count with this document, which the common-term test below reads.
        let countTerm = try db.cachedStatement(sql: """
            INSERT INTO story_term_count (term, documents) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET documents = documents + 1
            RETURNING documents
            """)
        let postings = try db.cachedStatement(sql: """
            SELECT document_id FROM story_term WHERE term = ? AND clock = ? AND at BETWEEN ? AND ? AND document_id <> ? LIMIT ?
            """)
        let documentCount = Int(try corpusStat("documents", db: db) ?? 0)
        let commonCount = max(policy.commonTermLimit, documentCount * policy.commonTermLimit / max(1, policy.commonTermPopulation))
        let carriers = try db.cachedStatement(sql: "SELECT documents FROM story_term_count WHERE term = ?")
        let insertUnposted = try db.cachedStatement(sql: "INSERT OR IGNORE INTO story_term_unposted (document_id, term) VALUES (?, ?)")
        var shared: [Int64: Int] = [:]
        for term in terms {
            // Documents carrying the term before this one.
            let known = Int(try carriers.int64Direct(term) ?? 0)
            // Common several times over: counted, filed by document (appended), and neither posted nor looked up.
            if known >= policy.unpostedCommonFactor * (commonCount + 1) {
                try insertUnposted.runDirect(documentID, term)
                if db.changesCount > 0 { _ = try countTerm.int64Direct(term) }
                continue
            }
            var carried: Int?
            for (clock, at) in posted {
                try insertTerm.runDirect(term, clock.rawValue, at, documentID)
                // One posting per document is counted: its date's or its undated arrival's, not a dated one's arrival.
                if db.changesCount > 0, clock != .arrivalDated { carried = try countTerm.int64Direct(term).map(Int.init) }
            }
            // Not counted again (already posted): the count read above still holds.
            if carried ?? known > commonCount + 1 { continue }
            // At most `commonTermLimit + 1` rows of a range of the primary key per clock: the cost does not grow
            // with the corpus.
            var documents: [Int64] = []
            for (clock, at) in compared where documents.count <= policy.commonTermLimit {
                documents += try postings.int64sDirect(term, clock.rawValue, at - policy.storyWindow, at + policy.storyWindow,
                                                       documentID, policy.commonTermLimit + 1 - documents.count)
            }
            if documents.count <= policy.commonTermLimit {
                for other in documents { shared[other, default: 0] += 1 }
            }
        }
        var related: [Int64] = []
        // The strongest links first, and a bounded number of them: each costs a body to compare.
        let ranked = shared.filter { $0.value >= policy.minSharedStoryTerms }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key > $1.key }
        for (other, count) in ranked where related.count < policy.maxRelated {
            let similarity = try similarity(of: fingerprint, toDocument: other, db: db)
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO document_related (document_id, related_id, score, similarity) VALUES (?, ?, ?, ?)
                """).execute(arguments: [documentID, other, Double(count) / Double(max(terms.count, 1)), similarity])
            related.append(other)
        }
        guard let strongest = related.first else { return }
        try joinStory(documentID, related: related, strongest: strongest, policy: policy, db: db)
    }

    /// Puts a document and the documents it is related to in one story: the story of the one it shares most
    /// with (named by its earliest document). Other stories it bridges are merged into that one when they are
    /// small; a large one is left whole, so that the cost stays bounded and one loose link cannot chain
    /// thousands of documents into a single story.
    private func joinStory(_ documentID: Int64, related: [Int64], strongest: Int64, policy: NearDuplicatePolicy,
                           db: Database) throws
    {
        let storyOf = try db.cachedStatement(sql: "SELECT story_id FROM story_member WHERE document_id = ?")
        let target = try Int64.fetchOne(storyOf, arguments: [strongest]) ?? min(strongest, documentID)
        let size = try db.cachedStatement(sql: "SELECT COUNT(*) FROM (SELECT 1 FROM story_member WHERE story_id = ? LIMIT ?)")
        let join = try db.cachedStatement(sql: "INSERT OR REPLACE INTO story_member (document_id, story_id) VALUES (?, ?)")
        var merged: Set<Int64> = [target]
        for other in related {
            guard let story = try Int64.fetchOne(storyOf, arguments: [other]) else {
                try join.execute(arguments: [other, target])
                continue
            }
            if merged.contains(story) { continue }
            if try Int.fetchOne(size, arguments: [story, policy.maxStoryMerge + 1])! <= policy.maxStoryMerge {
                try db.cachedStatement(sql: "UPDATE story_member SET story_id = ? WHERE story_id = ?").execute(arguments: [target, story])
                merged.insert(story)
            }
        }
        try join.execute(arguments: [documentID, target])
    }
}
