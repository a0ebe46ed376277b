import Foundation

/// Gives an article its tags: the ones it declares (mapped through the taxonomy's aliases; unknown
/// ones kept as new tags), the ones of the inbox folder it came through, the taxonomy's rules over title
/// and body, then the learned model's predictions above its threshold. A tag is given once, by the
/// first of these origins that gives it.
public enum Tagger {
    public static func tag(
        _ article: ParsedArticle, taxonomy: Taxonomy, folderTags: [String] = [], model: TagModel? = nil,
        threshold: Double = TagModel.defaultThreshold
    ) -> [AssignedTag] {
        var assigned = declaredTags(article.explicitTags, taxonomy: taxonomy)
        for folder in folderTags {
            let definition = taxonomy.definition(for: folder)
            assigned.append(AssignedTag(slug: definition?.slug ?? Slug.make(folder), name: definition?.name ?? folder,
                                        origin: .folder, evidence: "inbox folder '\(folder)'"))
        }
        return inferredTags(article, taxonomy: taxonomy, model: model, threshold: threshold, keeping: assigned)
    }

    /// Tags an article declares, normalized through the aliases: a known alias becomes its tag (origin
    /// `alias`), a canonical slug stays `explicit`, an unknown name is kept as a new tag of its own.
    public static func declaredTags(_ declared: [String], taxonomy: Taxonomy) -> [AssignedTag] {
        var out: [AssignedTag] = []
        var given = Set<String>()
        for name in declared {
            let slug = Slug.make(name)
            guard !slug.isEmpty else { continue }
            let tag: AssignedTag
            if let definition = taxonomy.definition(for: name) {
                let origin: TagOrigin = definition.slug == slug ? .explicit : .alias
                tag = AssignedTag(slug: definition.slug, name: definition.name, origin: origin,
                                  evidence: origin == .alias ? "declared as '\(name)'" : "declared")
            } else {
                tag = AssignedTag(slug: slug, name: name, origin: .explicit, evidence: "declared")
            }
            if given.insert(tag.slug).inserted { out.append(tag) }
        }
        return out
    }

    /// `kept` (declared and folder tags, left as they are) followed by the rule and model tags the article
    /// earns that `kept` does not already hold. Reclassification calls this with a document's stored
    /// declared tags, so they are never touched.
    public static func inferredTags(
        _ article: ParsedArticle, taxonomy: Taxonomy, model: TagModel?, threshold: Double, keeping kept: [AssignedTag]
    ) -> [AssignedTag] {
        var assigned: [AssignedTag] = []
        var given = Set<String>()
        func give(_ tag: AssignedTag) {
            guard !tag.slug.isEmpty, given.insert(tag.slug).inserted else { return }
            assigned.append(tag)
        }
        kept.forEach(give)
        ruleMatches(article, taxonomy: taxonomy).forEach(give)
        if let model {
            for prediction in model.predict(title: article.title, body: article.body) where prediction.probability >= threshold {
                let name = taxonomy.definition(for: prediction.slug)?.name ?? model.name(of: prediction.slug)
                give(AssignedTag(slug: prediction.slug, name: name, origin: .model, score: prediction.probability,
                                 evidence: prediction.explanation(threshold: threshold)))
            }
        }
        return assigned
    }

    /// Every taxonomy tag whose rule holds, strongest score first.
    public static func ruleMatches(_ article: ParsedArticle, taxonomy: Taxonomy) -> [AssignedTag] {
        let title = hits(in: article.title, taxonomy: taxonomy)
        let body = hits(in: article.body, taxonomy: taxonomy)
        var results: [AssignedTag] = []
        for (index, definition) in taxonomy.definitions.enumerated() {
            guard title[index] != nil || body[index] != nil else { continue }
            let terms = taxonomy.terms[index]
            let inTitle = title[index] ?? [:]
            let inBody = body[index] ?? [:]
            if let evaluation = evaluate(definition.rule, terms: terms, inTitle: inTitle, inBody: inBody) {
                results.append(AssignedTag(slug: definition.slug, name: definition.name, origin: .rule,
                                           score: evaluation.score, evidence: evaluation.evidence))
            }
        }
        return results.sorted { ($0.score ?? 0, $1.slug) > ($1.score ?? 0, $0.slug) }
    }

    /// The rule's score and explanation when it gives its tag; nil when it does not.
    static func evaluate(_ rule: TagRule, terms: [TagTerm], inTitle: [Int: Int], inBody: [Int: Int])
        -> (score: Double, evidence: String)?
    {
        let position = Dictionary(terms.enumerated().map { ($0.element.match, $0.offset) }, uniquingKeysWith: { a, _ in a })
        func hit(_ term: TagTerm) -> Bool {
            guard let p = position[term.match] else { return false }
            return (inTitle[p] ?? 0) + (inBody[p] ?? 0) > 0
        }
        if rule.veto.contains(where: hit) { return nil }
        for group in rule.all where !group.contains(where: hit) { return nil }
        if !rule.any.isEmpty && !rule.any.contains(where: hit) { return nil }

        // `TagRule.terms` puts the scoring terms first, each once.
        let scoring = rule.scoringCount
        var score = 0.0
        var bodyEvidence: [(String, Int)] = []
        var titleEvidence: [(String, Int)] = []
        for p in 0..<scoring {
            let term = terms[p]
            let b = inBody[p] ?? 0
            let t = inTitle[p] ?? 0
            score += term.weight * (Double(b) + rule.titleWeight * Double(t))
            let shown = term.weight == 1 ? "'\(term.text)'" : "'\(term.text)' (weight \(format(term.weight)))"
            if b > 0 { bodyEvidence.append((shown, b)) }
            if t > 0 { titleEvidence.append((shown, t)) }
        }
        guard score > 0, score >= rule.minScore else { return nil }
        let ordered: ([(String, Int)]) -> [(String, Int)] = { $0.sorted { ($0.1, $1.0) > ($1.1, $0.0) } }
        let parts = ordered(bodyEvidence).map { "\($0.0) ×\($0.1) in body" }
            + ordered(titleEvidence).map { "\($0.0) ×\($0.1) in title" }
        return (score, parts.joined(separator: ", ") + ", score \(format(score)) ≥ \(format(rule.minScore))")
    }

    /// Hits per definition per term position; word hits inside one of the definition's `exclude`
    /// phrases are left out.
    private static func hits(in text: String, taxonomy: Taxonomy) -> [Int: [Int: Int]] {
        let tokens = Tokens.split(text)
        let lowered = tokens.map(ASCIIWord.lowercased)
        var found: [Int: [(term: Int, span: Range<Int>)]] = [:]
        for i in tokens.indices {
            guard let candidates = taxonomy.wordTermsByFirstToken[lowered[i]] else { continue }
            for ref in candidates {
                let match = taxonomy.terms[ref.definition][ref.term].match
                if let length = matchLength(match, tokens: tokens, lowered: lowered, at: i) {
                    found[ref.definition, default: []].append((ref.term, i..<(i + length)))
                }
            }
        }
        var hits: [Int: [Int: Int]] = [:]
        for (definition, list) in found {
            let excluded = taxonomy.excludePositions[definition]
            let masks = list.filter { excluded.contains($0.term) }.map(\.span)
            for hit in list where excluded.contains(hit.term) || !masks.contains(where: { $0.contains(hit.span.lowerBound) }) {
                hits[definition, default: [:]][hit.term, default: 0] += 1
            }
        }
        for (ref, pattern) in taxonomy.patternTerms {
            let n = pattern.count(in: text)
            if n > 0 { hits[ref.definition, default: [:]][ref.term, default: 0] += n }
        }
        return hits
    }

    /// How many tokens a word term covers when it matches at `start`; nil when it does not match.
    private static func matchLength(_ match: TagTerm.Match, tokens: [Substring], lowered: [String], at start: Int) -> Int? {
        switch match {
        case .words(let words):
            guard start + words.count <= tokens.count,
                  words.indices.allSatisfy({ lowered[start + $0] == words[$0] }) else { return nil }
            return words.count
        case .exactWords(let words):
            guard start + words.count <= tokens.count,
                  words.indices.allSatisfy({ tokens[start + $0] == words[$0] }) else { return nil }
            return words.count
        case .pattern:
            return nil
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.1f", value) : String(format: "%.2f", value)
    }
}
