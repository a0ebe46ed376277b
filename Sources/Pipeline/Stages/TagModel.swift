import Foundation

/// A document the model learns from: its text and the tags a person or its page gave it (explicit,
/// alias or folder tags — never tags the rules or the model inferred).
public struct TrainingExample: Sendable, Hashable {
    public var title: String
    public var body: String
    /// Canonical slug → display name.
    public var tags: [String: String]

    public init(title: String, body: String, tags: [String: String]) {
        self.title = title
        self.body = body
        self.tags = tags
    }
}

/// One tag the model predicts for a text.
public struct TagPrediction: Sendable, Hashable {
    public var slug: String
    /// The model's posterior probability that the text carries the tag.
    public var probability: Double
    /// The features of the text that speak most for the tag, strongest first.
    public var strongest: [String]
    /// How many labelled documents the model learnt the tag from.
    public var examples: Int

    public func explanation(threshold: Double) -> String {
        let words = strongest.map { "'\($0)'" }.joined(separator: ", ")
        return "p \(String(format: "%.2f", probability)) ≥ \(String(format: "%.2f", threshold))"
            + (words.isEmpty ? "" : " from \(words)") + "; learnt from \(examples) labelled documents"
    }
}

/// The learned auto-tagger: one-vs-rest multinomial naive Bayes over the set of words and word pairs
/// of a document (each feature counted once per document), Laplace-smoothed. Each tag is judged on
/// its own against its complement, so a document can get several. Trained from documents whose tags
/// a person or their page gave; stored in the database as JSON.
public struct TagModel: Sendable, Codable, Hashable {
    public static let defaultThreshold = 0.9
    /// Tags with fewer labelled documents are not learnt.
    public static let defaultMinExamples = 3

    struct TagCounts: Sendable, Codable, Hashable {
        var name: String
        /// Training documents carrying the tag.
        var documents: Int
        /// Feature → how many of those documents contain it.
        var features: [String: Int]
        /// Σ features.
        var total: Int
    }

    public private(set) var documents: Int
    /// Labelled documents in the corpus when the model was trained (it may have learnt from the newest of them only).
    public private(set) var labelledAtTraining: Int
    /// Feature → how many training documents contain it (features seen in fewer than 2 are dropped).
    var vocabulary: [String: Int]
    /// Σ vocabulary.
    var total: Int
    var tags: [String: TagCounts]
    var smoothing: Double = 0.5
    /// The same figures arranged for prediction; rebuilt from the above, never stored.
    private var index: PredictionIndex

    private enum CodingKeys: String, CodingKey { case documents, labelledAtTraining, vocabulary, total, tags, smoothing }

    init(documents: Int, labelledAtTraining: Int, vocabulary: [String: Int], total: Int, tags: [String: TagCounts],
         smoothing: Double = 0.5) {
        self.documents = documents
        self.labelledAtTraining = labelledAtTraining
        self.vocabulary = vocabulary
        self.total = total
        self.tags = tags
        self.smoothing = smoothing
        self.index = PredictionIndex(vocabulary: vocabulary, total: total, tags: tags, documents: documents, smoothing: smoothing)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(documents: try c.decode(Int.self, forKey: .documents),
                  labelledAtTraining: try c.decode(Int.self, forKey: .labelledAtTraining),
                  vocabulary: try c.decode([String: Int].self, forKey: .vocabulary), total: try c.decode(Int.self, forKey: .total),
                  tags: try c.decode([String: TagCounts].self, forKey: .tags), smoothing: try c.decode(Double.self, forKey: .smoothing))
    }

    public static func == (a: TagModel, b: TagModel) -> Bool {
        (a.documents, a.labelledAtTraining, a.total, a.smoothing) == (b.documents, b.labelledAtTraining, b.total, b.smoothing)
            && a.vocabulary == b.vocabulary && a.tags == b.tags
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(documents)
        hasher.combine(total)
        hasher.combine(tags.count)
    }

    /// The slugs the model can predict.
    public var learntTags: [String] { tags.keys.sorted() }

    public func name(of slug: String) -> String { tags[slug]?.name ?? slug }

    /// Learns from `examples`; a tag needs `minExamples` labelled documents to be learnt. `labelled` is how many
    /// labelled documents the corpus had (more than `examples` when training used a sample). Features are
    /// interned: each distinct one is stored once (its bytes in one arena), each example keeps their ids.
    public static func train(_ examples: [TrainingExample], labelled: Int? = nil, minExamples: Int = defaultMinExamples) -> TagModel {
        var trainer = Trainer()
        for example in examples { trainer.add(example) }
        return trainer.model(labelled: labelled, minExamples: minExamples)
    }

    /// Training one example at a time: an example's text is read for its features and can go at once, so a
    /// training over thousands of documents streamed from the store never holds their text together. What it holds
    /// per example until the model is made is the ids of its features (each once), sorted and written as varint
    /// gaps in one buffer (~1–2 bytes an id, against 4 in an array of its own), and its tags' numbers: whether a
    /// feature is kept (seen in 2 documents or more) is known only once every example was read.
    public struct Trainer {
        private var interner = FeatureInterner(capacity: 1 << 15)
        private var frequency: [Int32] = []
        private var lastCounted: [Int32] = []
        /// Every example's feature ids, sorted, as LEB128 gaps; example k's end at `featureEnds[k]`.
        private var featureBytes: [UInt8] = []
        private var featureEnds: [Int] = []
        /// Every example's tags, as numbers into `tagSlugs`; example k's end at `tagEnds[k]`.
        private var exampleTags: [Int32] = []
        private var tagEnds: [Int] = []
        private var tagSlugs: [String] = []
        private var tagNumbers: [String: Int32] = [:]
        private var tagDocuments: [(name: String, count: Int)] = []
        /// One example's ids, reused.
        private var scratch: [Int32] = []

        public init() {}

        public mutating func add(_ example: TrainingExample) {
            let number = Int32(featureEnds.count)
            let text = TagFeatureText(title: example.title, body: example.body)
            scratch.removeAll(keepingCapacity: true)
            text.bytes.withUnsafeBufferPointer { bytes in
                for range in text.occurrences {
                    let feature = UnsafeBufferPointer(rebasing: bytes[range])
                    let id = interner.add(feature, hash: FeatureHash.of(feature))
                    if Int(id) == frequency.count {
                        frequency.append(0)
                        lastCounted.append(-1)
                    }
                    // Each feature counts once per document.
                    if lastCounted[Int(id)] != number {
                        lastCounted[Int(id)] = number
                        frequency[Int(id)] += 1
                        scratch.append(id)
                    }
                }
            }
            scratch.sort()
            var previous: Int32 = 0
            for id in scratch {
                var gap = UInt32(id - previous)
                previous = id
                while gap >= 0x80 {
                    featureBytes.append(UInt8(gap & 0x7F) | 0x80)
                    gap >>= 7
                }
                featureBytes.append(UInt8(gap))
            }
            featureEnds.append(featureBytes.count)
            for (slug, name) in example.tags {
                let t: Int32
                if let known = tagNumbers[slug] {
                    t = known
                } else {
                    t = Int32(tagSlugs.count)
                    tagNumbers[slug] = t
                    tagSlugs.append(slug)
                    tagDocuments.append((name, 0))
                }
                tagDocuments[Int(t)].count += 1
                exampleTags.append(t)
            }
            tagEnds.append(exampleTags.count)
        }

        /// Calls `body` with each example's tag numbers and its feature ids (sorted).
        fileprivate func forEachExample(_ body: (ArraySlice<Int32>, [Int32]) -> Void) {
            var ids: [Int32] = []
            var from = 0
            var tagFrom = 0
            for (k, end) in featureEnds.enumerated() {
                ids.removeAll(keepingCapacity: true)
                var id: Int32 = 0
                var i = from
                while i < end {
                    var gap: UInt32 = 0
                    var shift: UInt32 = 0
                    while true {
                        let byte = featureBytes[i]
                        i += 1
                        gap |= UInt32(byte & 0x7F) << shift
                        if byte < 0x80 { break }
                        shift += 7
                    }
                    id += Int32(gap)
                    ids.append(id)
                }
                body(exampleTags[tagFrom..<tagEnds[k]], ids)
                from = end
                tagFrom = tagEnds[k]
            }
        }

        /// The model learnt from the examples added.
        public func model(labelled: Int? = nil, minExamples: Int = TagModel.defaultMinExamples) -> TagModel {
            let exampleCount = featureEnds.count
            // Features seen in fewer than 2 documents are dropped.
            var names: [Int32: String] = [:]
            for (id, n) in frequency.enumerated() where n >= 2 { names[Int32(id)] = interner.string(Int32(id)) }
            var vocabulary: [String: Int] = [:]
            vocabulary.reserveCapacity(names.count)
            for (id, name) in names { vocabulary[name] = Int(frequency[Int(id)]) }

            // Per tag number: nil when the tag is not learnt (too few examples, or on every one).
            var tagCounts: [(features: [Int32: Int], total: Int)?] = tagDocuments.map { info in
                info.count >= minExamples && info.count < exampleCount ? ([:], 0) : nil
            }
            forEachExample { tags, ids in
                guard tags.contains(where: { tagCounts[Int($0)] != nil }) else { return }
                let present = ids.filter { frequency[Int($0)] >= 2 }
                for t in tags where tagCounts[Int(t)] != nil {
                    for id in present { tagCounts[Int(t)]!.features[id, default: 0] += 1 }
                    tagCounts[Int(t)]!.total += present.count
                }
            }
            var tags: [String: TagCounts] = [:]
            for (t, counts) in tagCounts.enumerated() {
                guard let counts else { continue }
                var features: [String: Int] = [:]
                features.reserveCapacity(counts.features.count)
                for (id, n) in counts.features { features[names[id]!] = n }
                tags[tagSlugs[t]] = TagCounts(name: tagDocuments[t].name, documents: tagDocuments[t].count, features: features,
                                              total: counts.total)
            }
            return TagModel(documents: exampleCount, labelledAtTraining: labelled ?? exampleCount, vocabulary: vocabulary,
                            total: vocabulary.values.reduce(0, +), tags: tags)
        }
    }

    /// Every learnt tag with its probability for this text, most probable first. The words that speak most
    /// for a tag are worked out only for tags at `explainFrom` or above.
    public func predict(title: String, body: String, explainFrom: Double = 0.5) -> [TagPrediction] {
        let present = index.present(in: TagFeatureText(title: title, body: body))
        guard !present.isEmpty else { return [] }
        var logOdds = index.prior
        // Every present feature adds, for tag t, C_t − log(all + a) when t never saw it, plus a correction
        // stored only for the (feature, tag) pairs seen together: one lookup per feature instead of one per tag.
        var shared = 0.0
        for id in present {
            shared += index.logAll[Int(id)]
            for k in index.seenStart[Int(id)]..<index.seenStart[Int(id) + 1] {
                logOdds[Int(index.seenTag[k])] += index.seenDelta[k]
            }
        }
        var out: [TagPrediction] = []
        for t in index.slugs.indices {
            let odds = logOdds[t] + Double(present.count) * index.unseen[t] - shared
            let probability = 1 / (1 + exp(-odds))
            var strongest: [String] = []
            if probability >= explainFrom { strongest = self.strongest(present, for: t) }
            out.append(TagPrediction(slug: index.slugs[t], probability: probability, strongest: strongest,
                                     examples: tags[index.slugs[t]]?.documents ?? 0))
        }
        return out.sorted { ($0.probability, $1.slug) > ($1.probability, $0.slug) }
    }

    /// The three present features whose likelihood ratio favours tag number `t` most.
    private func strongest(_ present: [Int32], for t: Int) -> [String] {
        guard let counts = tags[index.slugs[t]] else { return [] }
        let v = Double(vocabulary.count)
        let inTag = Double(counts.total) + smoothing * v
        let outTag = Double(total - counts.total) + smoothing * v
        // The three largest ratios and any tied with the third: only those can be among the three named (ties go
        // by name), so only those are named and sorted (naming and sorting every present feature was 2 % of an
        // entry's CPU once the model was trained).
        var best: [(id: Int32, ratio: Double)] = []
        var cutoff = 0.0
        for id in present {
            var n = 0.0
            for k in index.seenStart[Int(id)]..<index.seenStart[Int(id) + 1] where Int(index.seenTag[k]) == t {
                n = Double(index.seenCount[k])
            }
            let all = Double(index.all[Int(id)])
            let ratio = log((n + smoothing) / inTag) - log((all - n + smoothing) / outTag)
            guard ratio > 0, best.count < 3 || ratio >= cutoff else { continue }
            best.append((id, ratio))
            if best.count > 3 {
                best.sort { $0.ratio > $1.ratio }
                cutoff = best[2].ratio
                best.removeAll { $0.ratio < cutoff }
            } else if best.count == 3 {
                cutoff = best.map(\.ratio).min()!
            }
        }
        let named = best.map { (index.features.string($0.id), $0.ratio) }
        return named.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3).map(\.0)
    }

    /// Per-tag constants and the sparse (feature, tag) corrections of the naive Bayes sum, over interned
    /// feature ids (a document's features are looked up by their bytes, never made into strings).
    private struct PredictionIndex: Sendable {
        var slugs: [String] = []
        /// log((docs with t + 1) / (docs without t + 1)).
        var prior: [Double] = []
        /// C_t = log(a / inTag_t) + log(outTag_t): with −log(all + a), what a feature t never saw adds.
        var unseen: [Double] = []
        /// The vocabulary; ids index the arrays below.
        var features = FeatureInterner()
        /// Per feature: how many training documents contain it, and log(that + a).
        var all: [Int] = []
        var logAll: [Double] = []
        /// Per feature id, `seenStart[id]..<seenStart[id + 1]` in the three arrays below: for each tag t that saw
        /// it n > 0 times, t, n and log((n + a) / a) − log((all − n + a) / (all + a)).
        var seenStart: [Int] = [0]
        var seenTag: [Int32] = []
        var seenCount: [Int32] = []
        var seenDelta: [Double] = []

        init(vocabulary: [String: Int], total: Int, tags: [String: TagModel.TagCounts], documents: Int, smoothing a: Double) {
            let v = Double(vocabulary.count)
            features = FeatureInterner(capacity: vocabulary.count)
            all = Array(repeating: 0, count: vocabulary.count)
            for (feature, n) in vocabulary { all[Int(features.add(feature))] = n }
            logAll = all.map { log(Double($0) + a) }
            slugs = tags.keys.sorted()
            var perFeature: [[(tag: Int32, n: Int32, delta: Double)]] = Array(repeating: [], count: all.count)
            for (t, slug) in slugs.enumerated() {
                let counts = tags[slug]!
                let inTag = Double(counts.total) + a * v
                let outTag = Double(total - counts.total) + a * v
                prior.append(log(Double(counts.documents) + 1) - log(Double(documents - counts.documents) + 1))
                unseen.append(log(a / inTag) + log(outTag))
                for (feature, n) in counts.features {
                    var key = feature
                    // A tag's features are in the vocabulary by construction; a hand-made model may differ.
                    guard let id = key.withUTF8({ features.id(of: $0, hash: FeatureHash.of($0)) }) else { continue }
                    let all = Double(vocabulary[feature] ?? n)
                    let delta = log((Double(n) + a) / a) - log((all - Double(n) + a) / (all + a))
                    perFeature[Int(id)].append((Int32(t), Int32(n), delta))
                }
            }
            for list in perFeature {
                for entry in list {
                    seenTag.append(entry.tag)
                    seenCount.append(entry.n)
                    seenDelta.append(entry.delta)
                }
                seenStart.append(seenTag.count)
            }
        }

        /// The vocabulary features of a text, each once, in id order.
        func present(in text: TagFeatureText) -> [Int32] {
            var ids: [Int32] = []
            text.bytes.withUnsafeBufferPointer { bytes in
                for range in text.occurrences {
                    let feature = UnsafeBufferPointer(rebasing: bytes[range])
                    if let id = features.id(of: feature, hash: FeatureHash.of(feature)) { ids.append(id) }
                }
            }
            ids.sort()
            var unique: [Int32] = []
            unique.reserveCapacity(ids.count)
            for id in ids where id != unique.last { unique.append(id) }
            return unique
        }
    }

    /// The words (stop words and bare numbers left out) and adjacent word pairs of a text, each once, as strings:
    /// the definition. Training and prediction read the same features as bytes (`TagFeatureText`); tests hold
    /// the two equal.
    static func features(title: String, body: String) -> Set<String> {
        var out = Set<String>()
        for text in [title, body] {
            var previous: Substring?
            for word in Normalizer.words(text) {
                guard word.count > 1, !stopWords.contains(word), !word.allSatisfy(\.isNumber) else {
                    previous = nil
                    continue
                }
                out.insert(String(word))
                if let previous { out.insert("\(previous) \(word)") }
                previous = word
            }
        }
        return out
    }

    static let stopWords: Set<Substring> = [
        "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "before", "but",
        "by", "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "if",
        "in", "into", "is", "it", "its", "last", "more", "most", "new", "no", "not", "of", "on", "one", "or",
        "other", "our", "out", "over", "said", "says", "she", "so", "some", "than", "that", "the", "their",
        "them", "there", "they", "this", "those", "to", "two", "up", "was", "we", "were", "what", "when", "which",
        "who", "will", "with", "would", "year", "years", "you",
    ]
}
