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
    /// labelled documents the corpus had (more than `examples` when training used a sample). Memory stays
    /// proportional to the vocabulary: each example's features are computed twice rather than kept.
    public static func train(_ examples: [TrainingExample], labelled: Int? = nil, minExamples: Int = defaultMinExamples) -> TagModel {
        var frequency: [String: Int] = [:]
        var tagDocuments: [String: (name: String, count: Int)] = [:]
        for example in examples {
            for feature in features(title: example.title, body: example.body) { frequency[feature, default: 0] += 1 }
            for (slug, name) in example.tags { tagDocuments[slug, default: (name, 0)].count += 1 }
        }
        let vocabulary = frequency.filter { $0.value >= 2 }
        frequency = [:]

        var tags: [String: TagCounts] = [:]
        for (slug, info) in tagDocuments where info.count >= minExamples && info.count < examples.count {
            tags[slug] = TagCounts(name: info.name, documents: info.count, features: [:], total: 0)
        }
        for example in examples where example.tags.keys.contains(where: { tags[$0] != nil }) {
            let present = features(title: example.title, body: example.body).filter { vocabulary[$0] != nil }
            for slug in example.tags.keys where tags[slug] != nil {
                for feature in present { tags[slug]!.features[feature, default: 0] += 1 }
                tags[slug]!.total += present.count
            }
        }
        return TagModel(documents: examples.count, labelledAtTraining: labelled ?? examples.count, vocabulary: vocabulary,
                        total: vocabulary.values.reduce(0, +), tags: tags)
    }

    /// Every learnt tag with its probability for this text, most probable first. The words that speak most
    /// for a tag are worked out only for tags at `explainFrom` or above.
    public func predict(title: String, body: String, explainFrom: Double = 0.5) -> [TagPrediction] {
        let present = Self.features(title: title, body: body).compactMap { feature in
            vocabulary[feature].map { (feature, $0) }
        }
        guard !present.isEmpty else { return [] }
        var logOdds = index.prior
        // Every present feature adds, for tag t, C_t − log(all + a) when t never saw it, plus a correction
        // stored only for the (feature, tag) pairs seen together: one lookup per feature instead of one per tag.
        var shared = 0.0
        for (feature, all) in present {
            shared += log(Double(all) + smoothing)
            for (tag, delta) in index.seen[feature] ?? [] { logOdds[Int(tag)] += delta }
        }
        var out: [TagPrediction] = []
        for t in index.slugs.indices {
            let odds = logOdds[t] + Double(present.count) * index.unseen[t] - shared
            let probability = 1 / (1 + exp(-odds))
            var strongest: [String] = []
            if probability >= explainFrom { strongest = self.strongest(present.map(\.0), for: index.slugs[t]) }
            out.append(TagPrediction(slug: index.slugs[t], probability: probability, strongest: strongest,
                                     examples: tags[index.slugs[t]]?.documents ?? 0))
        }
        return out.sorted { ($0.probability, $1.slug) > ($1.probability, $0.slug) }
    }

    /// The three present features whose likelihood ratio favours `slug` most.
    private func strongest(_ present: [String], for slug: String) -> [String] {
        guard let counts = tags[slug] else { return [] }
        let v = Double(vocabulary.count)
        let inTag = Double(counts.total) + smoothing * v
        let outTag = Double(total - counts.total) + smoothing * v
        let ratios: [(String, Double)] = present.compactMap { feature in
            let n = Double(counts.features[feature] ?? 0)
            let all = Double(vocabulary[feature] ?? 0)
            let ratio = log((n + smoothing) / inTag) - log((all - n + smoothing) / outTag)
            return ratio > 0 ? (feature, ratio) : nil
        }
        return ratios.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3).map(\.0)
    }

    /// Per-tag constants and the sparse (feature, tag) corrections of the naive Bayes sum.
    private struct PredictionIndex: Sendable {
        var slugs: [String] = []
        /// log((docs with t + 1) / (docs without t + 1)).
        var prior: [Double] = []
        /// C_t = log(a / inTag_t) + log(outTag_t): with −log(all + a), what a feature t never saw adds.
        var unseen: [Double] = []
        /// Feature → (tag, log((n + a) / a) − log((all − n + a) / (all + a))) for the tags that saw it n > 0 times.
        var seen: [String: [(Int32, Double)]] = [:]

        init(vocabulary: [String: Int], total: Int, tags: [String: TagModel.TagCounts], documents: Int, smoothing a: Double) {
            let v = Double(vocabulary.count)
            slugs = tags.keys.sorted()
            for (t, slug) in slugs.enumerated() {
                let counts = tags[slug]!
                let inTag = Double(counts.total) + a * v
                let outTag = Double(total - counts.total) + a * v
                prior.append(log(Double(counts.documents) + 1) - log(Double(documents - counts.documents) + 1))
                unseen.append(log(a / inTag) + log(outTag))
                for (feature, n) in counts.features {
                    let all = Double(vocabulary[feature] ?? n)
                    let delta = log((Double(n) + a) / a) - log((all - Double(n) + a) / (all + a))
                    seen[feature, default: []].append((Int32(t), delta))
                }
            }
        }
    }

    /// The words (stop words and bare numbers left out) and adjacent word pairs of a text, each once.
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
