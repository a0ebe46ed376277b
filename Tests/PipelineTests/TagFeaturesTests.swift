import Foundation
import Testing

@testable import Pipeline

/// The tag model reads features as byte ranges and interned ids; everything it learns and predicts must
/// equal what the plain string form (`TagModel.features`, counted in dictionaries of strings) gives.
struct TagFeaturesTests {
    static let hostile: [String] = ASCIITextFastPathTests.samples + [
        "the a I x 42 2024 9th 4g and of 1,000 3.5 — of the year",
        "Indic vowel sign after a space: क ा and कि, a Greek ypogegrammeni ᾳ \u{345}x",
        "٣٤ Arabic-Indic digits, ² superscript, ½ and Ⅻ numbers, 二 Han numeral",
        "words longer than eight bytes: internationalisation counternarcotics",
        "stop words everywhere: before after their would which those about could other years",
    ]

    static var texts: [(title: String, body: String)] {
        let (train, test) = LabelledTopicSet.make(trainCount: 40, testCount: 20)
        let labelled = (train + test).map { ($0.article.title, $0.article.body) }
        let news = ASCIITextFastPathTests.newsFiles.map { ("", $0) }
        let pairs = zip(hostile, hostile.reversed()).map { ($0, $1) }
        return labelled + news + pairs + hostile.map { ($0, "") }
    }

    static func strings(_ text: TagFeatureText) -> Set<String> {
        Set(text.occurrences.map { String(decoding: text.bytes[$0], as: UTF8.self) })
    }

    @Test func byteFeaturesEqualTheStringFeatures() {
        for (title, body) in Self.texts {
            #expect(Self.strings(TagFeatureText(title: title, body: body)) == TagModel.features(title: title, body: body),
                    "\(title.prefix(60).debugDescription) / \(body.prefix(60).debugDescription)")
        }
    }

    @Test func newsTextIsSplitByBytes() {
        // The byte split applies to what normalizes to ASCII; the Unicode split would give the same, slower.
        for text in ASCIITextFastPathTests.newsFiles {
            #expect(Normalizer.normalize(text).utf8.allSatisfy { $0 < 0x80 })
        }
    }

    @Test func stopWordsFitTheirPacking() {
        for word in TagModel.stopWords {
            #expect(word.utf8.count <= 8 && word.utf8.allSatisfy { $0 < 0x80 }, "\(word)")
        }
    }

    @Test func internerGivesEachByteStringOneID() {
        var interner = FeatureInterner(capacity: 4)
        let words = (0..<5000).map { "w\($0 * 7919 % 10007)" } + ["", "a", "a b", "é", "e\u{301}"]
        // Keyed by bytes: "é" and "e\u{301}" are equal Strings but different features.
        var ids: [[UInt8]: Int32] = [:]
        for word in words { ids[Array(word.utf8)] = interner.add(word) }
        #expect(interner.count == Set(words.map { Array($0.utf8) }).count)
        for word in words {
            var copy = word
            let found = copy.withUTF8 { interner.id(of: $0, hash: FeatureHash.of($0)) }
            #expect(found == ids[Array(word.utf8)], "\(word)")
            #expect(interner.string(ids[Array(word.utf8)]!).utf8.elementsEqual(word.utf8))
        }
        var absent = "w10008"
        #expect(absent.withUTF8 { interner.id(of: $0, hash: FeatureHash.of($0)) } == nil)
    }

    /// Training as the textbook says, over string features.
    static func referenceCounts(_ examples: [TrainingExample], minExamples: Int)
        -> (vocabulary: [String: Int], tags: [String: (documents: Int, features: [String: Int], total: Int)])
    {
        var frequency: [String: Int] = [:]
        var documents: [String: Int] = [:]
        let features = examples.map { TagModel.features(title: $0.title, body: $0.body) }
        for (example, present) in zip(examples, features) {
            for feature in present { frequency[feature, default: 0] += 1 }
            for slug in example.tags.keys { documents[slug, default: 0] += 1 }
        }
        let vocabulary = frequency.filter { $0.value >= 2 }
        var tags: [String: (documents: Int, features: [String: Int], total: Int)] = [:]
        for (slug, n) in documents where n >= minExamples && n < examples.count { tags[slug] = (n, [:], 0) }
        for (example, present) in zip(examples, features) {
            let kept = present.filter { vocabulary[$0] != nil }
            for slug in example.tags.keys where tags[slug] != nil {
                for feature in kept { tags[slug]!.features[feature, default: 0] += 1 }
                tags[slug]!.total += kept.count
            }
        }
        return (vocabulary, tags)
    }

    static var examples: [TrainingExample] {
        let (train, _) = LabelledTopicSet.make(trainCount: 120, testCount: 0)
        return train.map { document in
            TrainingExample(title: document.article.title, body: document.article.body,
                            tags: Dictionary(uniqueKeysWithValues: document.labels.map { ($0, $0) }))
        } + TagModelTests.examples + Self.hostile.map { TrainingExample(title: $0, body: $0, tags: ["odd": "odd"]) }
    }

    @Test func trainingCountsEqualTheStringCounts() {
        let examples = Self.examples
        let model = TagModel.train(examples)
        let reference = Self.referenceCounts(examples, minExamples: TagModel.defaultMinExamples)
        #expect(model.vocabulary == reference.vocabulary)
        #expect(model.total == reference.vocabulary.values.reduce(0, +))
        #expect(Set(model.tags.keys) == Set(reference.tags.keys))
        for (slug, counts) in reference.tags {
            #expect(model.tags[slug]?.documents == counts.documents, "\(slug)")
            #expect(model.tags[slug]?.features == counts.features, "\(slug)")
            #expect(model.tags[slug]?.total == counts.total, "\(slug)")
        }
    }

    /// The trainer keeps each example's feature ids as gaps of 1 to 3 bytes (and more): examples whose ids lie far
    /// apart (a long first example gives ids past 80,000: gaps of three bytes) count as the strings do.
    @Test func trainingCountsEqualTheStringCountsWhenIdsLieFarApart() {
        let many = (0..<40_000).map { "w\($0)x" }
        let long = many.joined(separator: " ")
        var examples = [TrainingExample(title: "first", body: long, tags: ["long": "Long"])]
        for k in 0..<6 {
            let words = [many[0], many[k * 7_000 + 1], many[39_999 - k], "shared\(k % 2)"]
            examples.append(TrainingExample(title: "note \(k)", body: words.joined(separator: ". "), tags: k % 2 == 0 ? ["even": "Even"] : ["odd": "Odd", "long": "Long"]))
        }
        let model = TagModel.train(examples, minExamples: 2)
        let reference = Self.referenceCounts(examples, minExamples: 2)
        #expect(model.vocabulary == reference.vocabulary)
        #expect(Set(model.tags.keys) == Set(reference.tags.keys))
        #expect(Set(model.tags.keys) == ["even", "long", "odd"])
        for (slug, counts) in reference.tags {
            #expect(model.tags[slug]?.documents == counts.documents, "\(slug)")
            #expect(model.tags[slug]?.features == counts.features, "\(slug)")
            #expect(model.tags[slug]?.total == counts.total, "\(slug)")
        }
    }

    @Test func predictionsEqualTheStringPrediction() throws {
        let model = TagModel.train(Self.examples)
        let (_, test) = LabelledTopicSet.make(trainCount: 120, testCount: 30)
        let texts = test.map { ($0.article.title, $0.article.body) } + Self.hostile.map { ($0, "") }
        let v = Double(model.vocabulary.count), a = model.smoothing
        for (title, body) in texts {
            let present = TagModel.features(title: title, body: body).filter { model.vocabulary[$0] != nil }
            let predictions = model.predict(title: title, body: body)
            #expect(predictions.isEmpty == present.isEmpty)
            for prediction in predictions {
                let counts = try #require(model.tags[prediction.slug])
                let inTag = Double(counts.total) + a * v, outTag = Double(model.total - counts.total) + a * v
                var odds = log(Double(counts.documents) + 1) - log(Double(model.documents - counts.documents) + 1)
                var ratios: [(String, Double)] = []
                for feature in present {
                    let n = Double(counts.features[feature] ?? 0), all = Double(model.vocabulary[feature]!)
                    let ratio = log((n + a) / inTag) - log((all - n + a) / outTag)
                    odds += ratio
                    if ratio > 0 { ratios.append((feature, ratio)) }
                }
                #expect(abs(prediction.probability - 1 / (1 + exp(-odds))) < 1e-9, "\(prediction.slug)")
                if prediction.probability >= 0.5 {
                    let strongest = ratios.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3).map(\.0)
                    #expect(prediction.strongest == strongest, "\(prediction.slug)")
                }
            }
        }
    }
}
