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
    /// Feature → how many training documents contain it (features seen in fewer than 2 are dropped).
    var vocabulary: [String: Int]
    /// Σ vocabulary.
    var total: Int
    var tags: [String: TagCounts]
    var smoothing: Double = 0.5

    /// The slugs the model can predict.
    public var learntTags: [String] { tags.keys.sorted() }

    public func name(of slug: String) -> String { tags[slug]?.name ?? slug }

    /// Learns from `examples`; a tag needs `minExamples` labelled documents to be learnt.
    public static func train(_ examples: [TrainingExample], minExamples: Int = defaultMinExamples) -> TagModel {
        let featureSets = examples.map { features(title: $0.title, body: $0.body) }
        var frequency: [String: Int] = [:]
        for set in featureSets { for feature in set { frequency[feature, default: 0] += 1 } }
        let vocabulary = frequency.filter { $0.value >= 2 }

        var tagDocuments: [String: (name: String, count: Int)] = [:]
        for example in examples {
            for (slug, name) in example.tags { tagDocuments[slug, default: (name, 0)].count += 1 }
        }
        var tags: [String: TagCounts] = [:]
        for (slug, info) in tagDocuments where info.count >= minExamples && info.count < examples.count {
            tags[slug] = TagCounts(name: info.name, documents: info.count, features: [:], total: 0)
        }
        for (example, set) in zip(examples, featureSets) {
            for slug in example.tags.keys where tags[slug] != nil {
                for feature in set where vocabulary[feature] != nil {
                    tags[slug]!.features[feature, default: 0] += 1
                    tags[slug]!.total += 1
                }
            }
        }
        return TagModel(documents: examples.count, vocabulary: vocabulary, total: vocabulary.values.reduce(0, +), tags: tags)
    }

    /// Every learnt tag with its probability for this text, most probable first.
    public func predict(title: String, body: String) -> [TagPrediction] {
        let present = Self.features(title: title, body: body).filter { vocabulary[$0] != nil }
        guard !present.isEmpty else { return [] }
        let v = Double(vocabulary.count)
        let a = smoothing
        var out: [TagPrediction] = []
        for (slug, counts) in tags {
            let inTag = Double(counts.total) + a * v
            let outTag = Double(total - counts.total) + a * v
            var logOdds = log(Double(counts.documents) + 1) - log(Double(documents - counts.documents) + 1)
            var contributions: [(String, Double)] = []
            for feature in present {
                let n = Double(counts.features[feature] ?? 0)
                let all = Double(vocabulary[feature]!)
                let ratio = log((n + a) / inTag) - log((all - n + a) / outTag)
                logOdds += ratio
                if ratio > 0 { contributions.append((feature, ratio)) }
            }
            let probability = 1 / (1 + exp(-logOdds))
            let strongest = contributions.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3).map(\.0)
            out.append(TagPrediction(slug: slug, probability: probability, strongest: Array(strongest), examples: counts.documents))
        }
        return out.sorted { ($0.probability, $1.slug) > ($1.probability, $0.slug) }
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
