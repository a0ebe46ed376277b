import Foundation
import Pipeline

/// Precision, recall and F1 of duplicate decisions, counted per file as the daemon makes them: a file
/// declared a duplicate of a file in its copy group is a true positive; of any other file, a false
/// positive (and, when it had an earlier copy, also a miss); a file not declared a duplicate although an
/// earlier copy of it was seen is a false negative.
public struct DuplicateScores: Sendable, Hashable, Codable, CustomStringConvertible {
    public var truePositives = 0
    public var falsePositives = 0
    public var falseNegatives = 0
    /// Misses and false alarms per role, for finding what a method gets wrong.
    public var errorsByRole: [String: Int] = [:]

    public var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
    public var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    public var description: String {
        String(format: "P %.4f  R %.4f  F1 %.4f  (tp %d fp %d fn %d)", precision, recall, f1, truePositives, falsePositives,
               falseNegatives)
    }

    /// Scores `decisions[i]` (the index of the file that file i was declared a duplicate of, or nil).
    public static func score(_ files: [LabelledFile], decisions: [Int?]) -> DuplicateScores {
        var scores = DuplicateScores()
        var seenGroups = Set<Int>()
        for (index, file) in files.enumerated() {
            let hadCopy = seenGroups.contains(file.copyGroup)
            seenGroups.insert(file.copyGroup)
            switch (decisions[index], hadCopy) {
            case (let of?, _) where files[of].copyGroup == file.copyGroup:
                scores.truePositives += 1
            case (_?, let hadCopy):
                scores.falsePositives += 1
                scores.errorsByRole["false alarm: \(file.role.rawValue)", default: 0] += 1
                if hadCopy { scores.falseNegatives += 1 }
            case (nil, true):
                scores.falseNegatives += 1
                scores.errorsByRole["missed: \(file.role.rawValue)", default: 0] += 1
            case (nil, false):
                break
            }
        }
        return scores
    }
}

/// The duplicate-detection methods compared on the labelled set.
public enum DuplicateMethod: Sendable, Hashable, CustomStringConvertible {
    /// Same raw bytes or same normalized body only.
    case exactOnly
    /// Exact, then LSH candidates accepted on their MinHash estimate of Jaccard similarity.
    case minHash(NearDuplicateParameters, threshold: Double)
    /// Exact, then LSH candidates verified on the exact Jaccard similarity of their shingle sets (corpusd's method).
    case verified(NearDuplicateParameters, threshold: Double)

    public var description: String {
        switch self {
        case .exactOnly: return "exact only"
        case .minHash(let p, let t): return "MinHash estimate ≥ \(t), \(Self.describe(p))"
        case .verified(let p, let t): return "LSH + exact Jaccard ≥ \(t), \(Self.describe(p))"
        }
    }

    static func describe(_ p: NearDuplicateParameters) -> String {
        switch p.shingling {
        case .words(let size): return "\(size)-word shingles, \(p.bands)×\(p.rows)"
        case .spotSignatures(let chain): return "SpotSigs chain \(chain), \(p.bands)×\(p.rows)"
        }
    }
}

/// Runs the pipeline over a labelled set once, then any method over the results.
public struct Evaluation {
    public let files: [LabelledFile]
    let extracted: [ExtractedArticle?]
    let rawHashes: [Digest]

    public init(files: [LabelledFile], pipeline: ArticlePipeline = ArticlePipeline()) {
        self.files = files
        extracted = files.map { try? pipeline.process(SourceFile(name: $0.name, bytes: $0.bytes)).get() }
        rawHashes = files.map { Digest.sha256($0.bytes) }
    }

    /// The decisions of `method`, online in file order, with an in-memory LSH index standing in for the
    /// store's table (the same buckets, candidate order, screen and limits as `CorpusDatabase`).
    public func decisions(_ method: DuplicateMethod, policy: NearDuplicatePolicy = NearDuplicatePolicy()) -> [Int?] {
        var byRaw: [Digest: Int] = [:]
        var byBody: [Digest: Int] = [:]
        var bands: [Int64: [Int]] = [:]
        var fingerprints: [Int: NearDuplicateFingerprint] = [:]
        var out: [Int?] = []
        for index in files.indices {
            if let first = byRaw[rawHashes[index]] {
                out.append(first)
                continue
            }
            guard let article = extracted[index] else { out.append(nil); continue }
            byRaw[rawHashes[index]] = index
            if let first = byBody[article.bodyHash] {
                out.append(first)
                continue
            }
            var decision: Int?
            var fingerprint: NearDuplicateFingerprint?
            switch method {
            case .exactOnly:
                break
            case .minHash(let parameters, let threshold), .verified(let parameters, let threshold):
                let mine = NearDuplicate.fingerprint(normalizedBody: article.normalizedBody, parameters: parameters)
                fingerprint = mine
                var shared: [Int: Int] = [:]
                for key in mine.bandKeys {
                    for other in (bands[key] ?? []).suffix(policy.bandBucketLimit) { shared[other, default: 0] += 1 }
                }
                let screen = NearDuplicate.screenSignature(mine.minHash)
                let candidates = NearDuplicate.rankCandidates(shared).prefix(policy.maxScreened).filter {
                    NearDuplicate.mayReach(threshold, screen, NearDuplicate.screenSignature(fingerprints[$0]!.minHash))
                }.prefix(policy.maxCandidates)
                var best: (Int, Double)?
                for candidate in candidates {
                    let theirs = fingerprints[candidate]!
                    let similarity: Double
                    if case .minHash = method {
                        similarity = NearDuplicate.estimatedJaccard(mine.minHash, theirs.minHash)
                    } else {
                        similarity = NearDuplicate.jaccard(mine.shingles, theirs.shingles)
                    }
                    if similarity >= threshold, best == nil || similarity > best!.1 || (similarity == best!.1 && candidate < best!.0) {
                        best = (candidate, similarity)
                    }
                }
                decision = best?.0
            }
            out.append(decision)
            if decision == nil {
                byBody[article.bodyHash] = index
                if let fingerprint {
                    fingerprints[index] = fingerprint
                    for key in fingerprint.bandKeys { bands[key, default: []].append(index) }
                }
            } else {
                byRaw[rawHashes[index]] = decision
            }
        }
        return out
    }

    public func score(_ method: DuplicateMethod) -> DuplicateScores {
        DuplicateScores.score(files, decisions: decisions(method))
    }

    /// Exact Jaccard similarities (with the given shingling) of every copy to its original, and of every
    /// hard negative to the original of its event: where the threshold has to fall.
    public func similarityProfile(_ shingling: NearDuplicateParameters.Shingling) -> [String: [Double]] {
        var originalOfGroup: [Int: Int] = [:]
        var originalOfEvent: [Int: Int] = [:]
        for (index, file) in files.enumerated() where file.role == .original {
            originalOfGroup[file.copyGroup] = index
            originalOfEvent[file.event] = index
        }
        func shingles(_ i: Int) -> [UInt64]? {
            extracted[i].map { NearDuplicate.shingles(normalizedBody: $0.normalizedBody, shingling: shingling) }
        }
        var out: [String: [Double]] = [:]
        for (index, file) in files.enumerated() where file.role != .original {
            let reference = originalOfGroup[file.copyGroup] ?? originalOfEvent[file.event]
            guard let reference, reference != index, let a = shingles(index), let b = shingles(reference) else { continue }
            out[file.role.rawValue, default: []].append(NearDuplicate.jaccard(a, b))
        }
        return out
    }
}

/// Records the labelled set through the real store (`CorpusDatabase.record`, in-memory), in batches as the
/// ingestor does (near-duplicate look-ups made ahead), and reads back its decisions and story clusters.
public struct StoreRun {
    public var decisions: [Int?]
    public var storyOf: [Int: Int64]
    public var documentOf: [Int: Int64]

    public static func run(_ files: [LabelledFile], policy: NearDuplicatePolicy, batch: Int = 64,
                           pipeline: ArticlePipeline = ArticlePipeline()) throws -> (StoreRun, CorpusDatabase) {
        let database = try CorpusDatabase.inMemory()
        let now = Date(timeIntervalSince1970: 1_735_689_600)
        var decisions: [Int?] = Array(repeating: nil, count: files.count)
        var fileOfDocument: [Int64: Int] = [:]
        var documentOf: [Int: Int64] = [:]
        var start = 0
        while start < files.count {
            let range = start..<min(start + batch, files.count)
            let candidates = range.map { InboxCandidate(path: InboxPath(files[$0].name), size: Int64(files[$0].bytes.count), mtime: 0) }
            try database.register(candidates, now: now)
            let claimed = try database.claim(limit: range.count, worker: "eval", lease: 60, now: now)
            let byName = Dictionary(uniqueKeysWithValues: range.map { (files[$0].name, $0) })
            let processed = claimed.map { item in
                let file = files[byName[item.path.description]!]
                return ProcessedItem(item: item, rawHash: Digest.sha256(file.bytes),
                                     result: pipeline.process(SourceFile(name: file.name, bytes: file.bytes)).mapError(IntakeFailure.pipeline))
            }
            // As the ingestor does: the look-ups against what was stored before the batch are made ahead.
            for recorded in try database.record(database.lookingAhead(processed, policy: policy), now: now, policy: policy) {
                let index = byName[recorded.path.description]!
                switch recorded.outcome {
                case .stored(let id):
                    fileOfDocument[id] = index
                    documentOf[index] = id
                case .duplicate(let id, _, _):
                    decisions[index] = fileOfDocument[id]
                case .failed:
                    break
                }
            }
            start = range.upperBound
        }
        var storyOf: [Int: Int64] = [:]
        for story in try database.stories(minSize: 2, limit: Int.max) {
            for document in story.documents { if let file = fileOfDocument[document.id] { storyOf[file] = story.id } }
        }
        return (StoreRun(decisions: decisions, storyOf: storyOf, documentOf: documentOf), database)
    }

    /// Pairwise precision and recall of story clusters against events, over stored documents.
    public func storyScores(_ files: [LabelledFile]) -> (precision: Double, recall: Double) {
        let stored = documentOf.keys.sorted()
        var tp = 0, fp = 0, fn = 0
        for (n, i) in stored.enumerated() {
            for j in stored[(n + 1)...] {
                let together = storyOf[i] != nil && storyOf[i] == storyOf[j]
                let sameEvent = files[i].event == files[j].event
                if together && sameEvent { tp += 1 } else if together { fp += 1 } else if sameEvent { fn += 1 }
            }
        }
        return (tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp), tp + fn == 0 ? 1 : Double(tp) / Double(tp + fn))
    }
}
