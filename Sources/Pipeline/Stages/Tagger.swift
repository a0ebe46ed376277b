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
            let inTitle = title[index] ?? [:]
            let inBody = body[index] ?? [:]
            if let evaluation = evaluate(definition.rule, positions: taxonomy.rulePositions[index], terms: taxonomy.terms[index],
                                         inTitle: inTitle, inBody: inBody) {
                results.append(AssignedTag(slug: definition.slug, name: definition.name, origin: .rule,
                                           score: evaluation.score, evidence: evaluation.evidence))
            }
        }
        return results.sorted { ($0.score ?? 0, $1.slug) > ($1.score ?? 0, $0.slug) }
    }

    /// The rule's score and explanation when it gives its tag; nil when it does not. `positions` says where the
    /// rule's groups are in `terms`, and hits are counted by position in `terms`.
    static func evaluate(_ rule: TagRule, positions: Taxonomy.RulePositions, terms: [TagTerm], inTitle: [Int: Int],
                         inBody: [Int: Int]) -> (score: Double, evidence: String)?
    {
        func hit(_ p: Int) -> Bool { (inTitle[p] ?? 0) + (inBody[p] ?? 0) > 0 }
        if positions.veto.contains(where: hit) { return nil }
        for group in positions.all where !group.contains(where: hit) { return nil }
        if !positions.any.isEmpty && !positions.any.contains(where: hit) { return nil }

        var score = 0.0
        var hitTerms: [(p: Int, body: Int, title: Int)] = []
        for p in 0..<positions.scoring {
            let b = inBody[p] ?? 0
            let t = inTitle[p] ?? 0
            guard b > 0 || t > 0 else { continue }
            score += terms[p].weight * (Double(b) + rule.titleWeight * Double(t))
            hitTerms.append((p, b, t))
        }
        guard score > 0, score >= rule.minScore else { return nil }
        func shown(_ term: TagTerm) -> String {
            term.weight == 1 ? "'\(term.text)'" : "'\(term.text)' (weight \(format(term.weight)))"
        }
        let bodyEvidence = hitTerms.filter { $0.body > 0 }.map { (shown(terms[$0.p]), $0.body) }
        let titleEvidence = hitTerms.filter { $0.title > 0 }.map { (shown(terms[$0.p]), $0.title) }
        let ordered: ([(String, Int)]) -> [(String, Int)] = { $0.sorted { ($0.1, $1.0) > ($1.1, $0.0) } }
        let parts = ordered(bodyEvidence).map { "\($0.0) ×\($0.1) in body" }
            + ordered(titleEvidence).map { "\($0.0) ×\($0.1) in title" }
        return (score, parts.joined(separator: ", ") + ", score \(format(score)) ≥ \(format(rule.minScore))")
    }

    /// Hits per definition per term position; word hits inside one of the definition's `exclude`
    /// phrases are left out.
    static func hits(in text: String, taxonomy: Taxonomy) -> [Int: [Int: Int]] {
        var hits = count(wordHits(in: text, taxonomy: taxonomy), taxonomy: taxonomy)
        for (ref, pattern) in taxonomy.patternTerms {
            let n = pattern.count(in: text)
            if n > 0 { hits[ref.definition, default: [:]][ref.term, default: 0] += n }
        }
        return hits
    }

    /// A word term's match: the definition, the term's position, the tokens it covers.
    typealias WordHit = (term: Int, span: Range<Int>)

    /// Word-term matches per definition: over the bytes for text that is ASCII but for the safe separators,
    /// by `Substring` tokens otherwise (`tokenWordHits`, which gives the same matches for any text).
    static func wordHits(in text: String, taxonomy: Taxonomy) -> [Int: [WordHit]] {
        var copy = text
        let byBytes = copy.withUTF8 { bytes -> [Int: [WordHit]]? in
            guard let tokens = Tokens.asciiRanges(bytes) else { return nil }
            return byteWordHits(bytes, tokens: tokens, taxonomy: taxonomy)
        }
        return byBytes ?? tokenWordHits(in: text, taxonomy: taxonomy)
    }

    /// The reference: every token lowercased into a `String` and looked up by it.
    static func tokenWordHits(in text: String, taxonomy: Taxonomy) -> [Int: [WordHit]] {
        let tokens = Tokens.split(text)
        let lowered = tokens.map(ASCIIWord.lowercased)
        var found: [Int: [WordHit]] = [:]
        for i in tokens.indices {
            guard let candidates = taxonomy.wordTermsByFirstToken[lowered[i]] else { continue }
            for ref in candidates {
                let match = taxonomy.terms[ref.definition][ref.term].match
                if let length = matchLength(match, tokens: tokens, lowered: lowered, at: i) {
                    found[ref.definition, default: []].append((ref.term, i..<(i + length)))
                }
            }
        }
        return found
    }

    /// The byte path: ASCII tokens (`ranges` into `bytes`) lowercased into one buffer, each looked up by its hash.
    private static func byteWordHits(_ bytes: UnsafeBufferPointer<UInt8>, tokens: [Range<Int>], taxonomy: Taxonomy)
        -> [Int: [WordHit]]
    {
        var found: [Int: [WordHit]] = [:]
        guard !tokens.isEmpty, !taxonomy.termsByFirstWord.isEmpty else { return found }
        // Tokens are ASCII, so lowercasing keeps every offset.
        let lowered = TextSearch.asciiLowercased(bytes)
        lowered.withUnsafeBufferPointer { lowered in
            func word(_ buffer: UnsafeBufferPointer<UInt8>, _ i: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: buffer[tokens[i]])
            }
            func equal(_ token: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
                token.count == word.count && word.withUnsafeBufferPointer { w in
                    w.isEmpty || memcmp(token.baseAddress!, w.baseAddress!, w.count) == 0
                }
            }
            for i in tokens.indices {
                let first = word(lowered, i)
                guard let id = taxonomy.firstWords.id(of: first, hash: FeatureHash.of(first)) else { continue }
                for ref in taxonomy.termsByFirstWord[Int(id)] {
                    guard let term = taxonomy.termWords[ref.definition][ref.term] else { continue }
                    let count = term.words.count
                    guard i + count <= tokens.count else { continue }
                    let source = term.exact ? bytes : lowered
                    var k = 0
                    while k < count && equal(word(source, i + k), term.words[k]) { k += 1 }
                    if k == count { found[ref.definition, default: []].append((ref.term, i..<(i + count))) }
                }
            }
        }
        return found
    }

    /// Hits per definition per term position from the word matches, leaving out a hit inside one of the
    /// definition's `exclude` phrases.
    private static func count(_ found: [Int: [WordHit]], taxonomy: Taxonomy) -> [Int: [Int: Int]] {
        var hits: [Int: [Int: Int]] = [:]
        for (definition, list) in found {
            let excluded = taxonomy.excludePositions[definition]
            let masks = list.filter { excluded.contains($0.term) }.map(\.span)
            for hit in list where excluded.contains(hit.term) || !masks.contains(where: { $0.contains(hit.span.lowerBound) }) {
                hits[definition, default: [:]][hit.term, default: 0] += 1
            }
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
        // C's formatting straight (the same digits): Foundation's `String(format:)` cost 2 % of a JSON Lines entry's
        // CPU for these few numbers.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 320) { buffer in
            _ = withVaList([value]) { vsnprintf(buffer.baseAddress!, buffer.count, value == value.rounded() ? "%.1f" : "%.2f", $0) }
            return String(cString: buffer.baseAddress!)
        }
    }
}
