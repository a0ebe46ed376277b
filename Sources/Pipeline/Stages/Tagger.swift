import Foundation

/// Gives an article its tags: the ones it declares (mapped through the taxonomy's aliases; unknown
/// ones kept as new tags), the ones of the inbox folder it came through, then the taxonomy's keyword
/// rules over title and body. A tag is given once, by its strongest origin.
public enum Tagger {
    public static func tag(_ article: ParsedArticle, taxonomy: Taxonomy, folderTags: [String] = []) -> [AssignedTag] {
        var assigned: [AssignedTag] = []
        var given = Set<String>()

        func give(_ tag: AssignedTag) {
            guard !tag.slug.isEmpty, given.insert(tag.slug).inserted else { return }
            assigned.append(tag)
        }

        for declared in article.explicitTags {
            let slug = Slug.make(declared)
            if let definition = taxonomy.definition(for: declared) {
                let origin: TagOrigin = definition.slug == slug ? .explicit : .alias
                give(AssignedTag(slug: definition.slug, name: definition.name, origin: origin,
                                 evidence: origin == .alias ? "declared as '\(declared)'" : "declared"))
            } else {
                give(AssignedTag(slug: slug, name: declared, origin: .explicit, evidence: "declared"))
            }
        }
        for folder in folderTags {
            let definition = taxonomy.definition(for: folder)
            give(AssignedTag(slug: definition?.slug ?? Slug.make(folder), name: definition?.name ?? folder,
                             origin: .folder, evidence: "inbox folder '\(folder)'"))
        }
        for match in ruleMatches(article, taxonomy: taxonomy) { give(match) }
        return assigned
    }

    /// Every taxonomy tag whose keyword score reaches its minimum, strongest first.
    static func ruleMatches(_ article: ParsedArticle, taxonomy: Taxonomy) -> [AssignedTag] {
        let titleHits = count(Tokens.split(article.title), taxonomy: taxonomy)
        let bodyHits = count(Tokens.split(article.body), taxonomy: taxonomy)
        var results: [(AssignedTag, Double)] = []
        for (index, definition) in taxonomy.definitions.enumerated() {
            let inTitle = titleHits[index] ?? [:]
            let inBody = bodyHits[index] ?? [:]
            if inTitle.isEmpty && inBody.isEmpty { continue }
            let score = Double(inBody.values.reduce(0, +)) + definition.titleWeight * Double(inTitle.values.reduce(0, +))
            guard score >= definition.minScore else { continue }
            var evidence: [String] = []
            for (phrase, n) in inBody.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
                evidence.append("'\(phrase)' ×\(n) in body")
            }
            for (phrase, n) in inTitle.sorted(by: { $0.key < $1.key }) {
                evidence.append("'\(phrase)' ×\(n) in title")
            }
            let explanation = evidence.joined(separator: ", ")
                + ", score \(format(score)) ≥ \(format(definition.minScore))"
            results.append((AssignedTag(slug: definition.slug, name: definition.name, origin: .rule,
                                        score: score, evidence: explanation), score))
        }
        return results.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// Hits per definition per phrase, in one pass over the tokens.
    private static func count(_ tokens: [Substring], taxonomy: Taxonomy) -> [Int: [String: Int]] {
        var hits: [Int: [String: Int]] = [:]
        let lowered = tokens.map { $0.lowercased() }
        var i = 0
        while i < tokens.count {
            if let candidates = taxonomy.phrasesByFirstToken[lowered[i]] {
                for phrase in candidates where matches(phrase, tokens: tokens, lowered: lowered, at: i) {
                    hits[phrase.definition, default: [:]][phrase.display, default: 0] += 1
                }
            }
            i += 1
        }
        return hits
    }

    private static func matches(_ phrase: Taxonomy.Phrase, tokens: [Substring], lowered: [String], at start: Int) -> Bool {
        guard start + phrase.tokens.count <= tokens.count else { return false }
        for (offset, token) in phrase.tokens.enumerated() {
            let candidate = phrase.exactCase ? String(tokens[start + offset]) : lowered[start + offset]
            if candidate != token { return false }
        }
        return true
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.1f", value) : String(format: "%.2f", value)
    }
}
