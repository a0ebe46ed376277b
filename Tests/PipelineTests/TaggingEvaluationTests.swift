import Foundation
import Testing

@testable import Pipeline

/// Rules only, model only and both, scored on the generated labelled topic set (`LabelledTopicSet`): per-tag
/// precision and recall, and micro-F1 over all tags. The model learns from the training half as if its labels
/// were declared tags; all figures are on the test half. Set CORPUSD_EVAL_OUT=FILE to get the table as
/// Markdown (BENCHMARKS.md quotes it).
struct TaggingEvaluationTests {
    struct Score {
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
        var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
        var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
        mutating func add(predicted: Bool, actual: Bool) {
            switch (predicted, actual) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, true): falseNegatives += 1
            case (false, false): break
            }
        }
    }

    enum Mode: String, CaseIterable { case rules = "rules only", model = "model only", both = "rules + model" }

    typealias Result = (perTag: [Mode: [String: Score]], micro: [Mode: Score], model: TagModel, train: Int, test: Int,
                        sweep: [(threshold: Double, model: Score, both: Score)])

    static let sweepThresholds = [0.5, 0.8, 0.9, 0.99, 0.999]

    static func evaluate() -> Result {
        let (train, test) = LabelledTopicSet.make()
        let tags = LabelledTopicSet.tags
        let examples = train.map { document in
            TrainingExample(title: document.article.title, body: document.article.body,
                            tags: Dictionary(uniqueKeysWithValues: document.labels.map { ($0, $0) }))
        }
        let model = TagModel.train(examples)
        var perTag: [Mode: [String: Score]] = [:]
        var micro: [Mode: Score] = [:]
        var sweep = sweepThresholds.map { (threshold: $0, model: Score(), both: Score()) }
        for document in test {
            let predictions = model.predict(title: document.article.title, body: document.article.body)
            let ruled = Set(Tagger.ruleMatches(document.article, taxonomy: .builtIn).map(\.slug))
            for index in sweep.indices {
                let learnt = Set(predictions.filter { $0.probability >= sweep[index].threshold }.map(\.slug))
                for tag in tags {
                    sweep[index].model.add(predicted: learnt.contains(tag), actual: document.labels.contains(tag))
                    sweep[index].both.add(predicted: learnt.contains(tag) || ruled.contains(tag), actual: document.labels.contains(tag))
                }
            }
            let rules = Set(Tagger.ruleMatches(document.article, taxonomy: .builtIn).map(\.slug))
            let learnt = Set(Tagger.inferredTags(document.article, taxonomy: .empty, model: model,
                                                 threshold: TagModel.defaultThreshold, keeping: []).map(\.slug))
            let both = Set(Tagger.tag(document.article, taxonomy: .builtIn, model: model).map(\.slug))
            for (mode, predicted) in [(Mode.rules, rules), (.model, learnt), (.both, both)] {
                for tag in tags {
                    let p = predicted.contains(tag), a = document.labels.contains(tag)
                    perTag[mode, default: [:]][tag, default: Score()].add(predicted: p, actual: a)
                    micro[mode, default: Score()].add(predicted: p, actual: a)
                }
            }
        }
        return (perTag, micro, model, train.count, test.count, sweep)
    }

    static func markdown(_ result: Result) -> String {
        let f = { (x: Double) in String(format: "%.2f", x) }
        var lines = ["Labelled topic set: \(result.train) training and \(result.test) test documents, "
            + "\(LabelledTopicSet.tags.count) tags; model threshold \(f(TagModel.defaultThreshold)).", "",
            "| tag | rules P | rules R | model P | model R | both P | both R |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for tag in LabelledTopicSet.tags {
            let cells = Mode.allCases.flatMap { mode -> [String] in
                let s = result.perTag[mode]?[tag] ?? Score()
                return [f(s.precision), f(s.recall)]
            }
            lines.append("| \(tag) | " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("| | precision | recall | micro-F1 |")
        lines.append("| --- | ---: | ---: | ---: |")
        for mode in Mode.allCases {
            let s = result.micro[mode] ?? Score()
            lines.append("| \(mode.rawValue) | \(f(s.precision)) | \(f(s.recall)) | \(f(s.f1)) |")
        }
        lines.append("")
        lines.append("Model threshold (`--model-threshold`), micro figures:")
        lines.append("")
        lines.append("| threshold | model P | model R | model F1 | both P | both R | both F1 |")
        lines.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in result.sweep {
            lines.append("| \(row.threshold) | \(f(row.model.precision)) | \(f(row.model.recall)) | \(f(row.model.f1)) | "
                + "\(f(row.both.precision)) | \(f(row.both.recall)) | \(f(row.both.f1)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func combinedTaggerReachesMicroF1OfAtLeast085() throws {
        let result = Self.evaluate()
        let table = Self.markdown(result)
        print(table)
        if let out = ProcessInfo.processInfo.environment["CORPUSD_EVAL_OUT"] {
            try table.write(toFile: out, atomically: true, encoding: .utf8)
        }
        let both = try #require(result.micro[.both])
        #expect(both.f1 >= 0.85, "combined micro-F1 \(both.f1)\n\(table)")
        // Each half earns its place: the combination beats either alone.
        #expect(both.f1 > result.micro[.rules]!.f1)
        #expect(both.f1 > result.micro[.model]!.f1)
        #expect(Set(result.model.learntTags) == Set(LabelledTopicSet.tags))
    }
}

/// The learned model on its own.
struct TagModelTests {
    static let examples: [TrainingExample] = [
        ("Beijing cuts rates", "Beijing officials and the Chinese central bank cut rates for property developers.", ["china"]),
        ("Xi meets cadres", "Xi Jinping told Chinese party cadres in Beijing to tighten discipline.", ["china"]),
        ("Shanghai eases rules", "Shanghai officials eased rules; Chinese buyers returned, Beijing said.", ["china"]),
        ("Fentanyl seized", "Agents seized fentanyl pills and opioid precursors from a cartel lab.", ["drugs"]),
        ("Overdoses fall", "Opioid overdose deaths fell; fentanyl remains the main killer, agents said.", ["drugs"]),
        ("Cartel lab raided", "The cartel lab made fentanyl from precursors; opioid pills were seized.", ["drugs"]),
        ("Council meets", "The council discussed bins, parking and the library opening hours.", ["local"]),
        ("Bridge repairs", "Repairs to the bridge will finish in spring, the council said of parking.", ["local"]),
        ("Bakery prize", "A bakery won a prize; the council library hosted the ceremony.", ["local"]),
    ].map { TrainingExample(title: $0.0, body: $0.1, tags: Dictionary(uniqueKeysWithValues: $0.2.map { ($0, $0) })) }

    @Test func learnsTagsAndExplainsPredictions() throws {
        let model = TagModel.train(Self.examples)
        #expect(model.learntTags == ["china", "drugs", "local"])
        let predictions = model.predict(title: "Chinese buyers return", body: "Beijing and Shanghai officials said Chinese demand rose.")
        let china = try #require(predictions.first)
        #expect(china.slug == "china")
        #expect(china.probability > 0.9)
        #expect(predictions.first { $0.slug == "drugs" }!.probability < 0.5)
        #expect(china.strongest.contains("beijing") || china.strongest.contains("chinese"))
        #expect(china.explanation(threshold: 0.9).contains("learnt from 3 labelled documents"))
    }

    @Test func aTagWithTooFewExamplesIsNotLearnt() {
        let tiny = TagModel.train(Array(Self.examples.prefix(4)), minExamples: 3)
        #expect(tiny.learntTags == ["china"])
    }

    @Test func sparsePredictionEqualsTheTextbookSum() throws {
        let model = TagModel.train(Self.examples)
        let title = "Council bakery and Beijing", body = "Fentanyl pills; Chinese officials; library parking; an unseen word."
        let present = TagModel.features(title: title, body: body).filter { model.vocabulary[$0] != nil }
        let v = Double(model.vocabulary.count), a = model.smoothing
        for prediction in model.predict(title: title, body: body) {
            let counts = try #require(model.tags[prediction.slug])
            let inTag = Double(counts.total) + a * v, outTag = Double(model.total - counts.total) + a * v
            var odds = log(Double(counts.documents) + 1) - log(Double(model.documents - counts.documents) + 1)
            for feature in present {
                let n = Double(counts.features[feature] ?? 0), all = Double(model.vocabulary[feature]!)
                odds += log((n + a) / inTag) - log((all - n + a) / outTag)
            }
            #expect(abs(prediction.probability - 1 / (1 + exp(-odds))) < 1e-9, "\(prediction.slug)")
        }
    }

    @Test func survivesAJSONRoundTrip() throws {
        let model = TagModel.train(Self.examples)
        let decoded = try JSONDecoder().decode(TagModel.self, from: JSONEncoder().encode(model))
        #expect(decoded == model)
    }

    @Test func modelTagsNeverReplaceDeclaredOrRuleTags() {
        let model = TagModel.train(Self.examples)
        let article = ParsedArticle(title: "Beijing cuts rates", explicitTags: ["China"],
                                    paragraphs: ["Beijing and Chinese officials; fentanyl opioid cartel precursors seized."])
        let tags = Tagger.tag(article, taxonomy: .builtIn, model: model, threshold: 0.5)
        #expect(tags.first { $0.slug == "china" }?.origin == .explicit)
        #expect(tags.filter { $0.slug == "china" }.count == 1)
        #expect(tags.first { $0.slug == "drugs" }?.origin == .rule)
    }
}
