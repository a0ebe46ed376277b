import Foundation

/// One tag of the taxonomy: its canonical slug, the names it is also known by, and the
/// keyword rules that give it to an article that does not declare it.
public struct TagDefinition: Sendable, Hashable {
    public var slug: String
    public var name: String
    /// Other spellings that mean this tag (`u.s.`, `usa`); matched as slugs.
    public var aliases: [String]
    /// Words or phrases counted case-insensitively at word boundaries.
    public var keywords: [String]
    /// Words or phrases that only count in this exact case (`US`, not the pronoun `us`).
    public var exactKeywords: [String]
    /// How much one hit in the title is worth, against 1 for a hit in the body.
    public var titleWeight: Double
    /// The score at which the rule gives the tag.
    public var minScore: Double

    public init(
        slug: String, name: String, aliases: [String] = [], keywords: [String] = [], exactKeywords: [String] = [],
        titleWeight: Double = 3, minScore: Double = 3
    ) {
        self.slug = slug
        self.name = name
        self.aliases = aliases
        self.keywords = keywords
        self.exactKeywords = exactKeywords
        self.titleWeight = titleWeight
        self.minScore = minScore
    }
}

/// The set of known tags, with the lookup tables the tagger needs built once.
public struct Taxonomy: Sendable {
    public let definitions: [TagDefinition]
    /// Every slug and alias slug → index of its definition.
    let canonical: [String: Int]
    /// First token of a keyword phrase → the phrases starting with it.
    let phrasesByFirstToken: [String: [Phrase]]

    struct Phrase: Sendable {
        var definition: Int
        var display: String
        var tokens: [String]
        var exactCase: Bool
    }

    public init(_ definitions: [TagDefinition]) {
        self.definitions = definitions
        var canonical: [String: Int] = [:]
        var phrases: [String: [Phrase]] = [:]
        for (index, definition) in definitions.enumerated() {
            canonical[definition.slug] = index
            for alias in definition.aliases { canonical[Slug.make(alias)] = index }
            for keyword in definition.keywords {
                let tokens = Tokens.split(keyword).map { $0.lowercased() }
                guard let first = tokens.first else { continue }
                phrases[first, default: []].append(Phrase(definition: index, display: keyword, tokens: tokens, exactCase: false))
            }
            for keyword in definition.exactKeywords {
                let tokens = Tokens.split(keyword).map(String.init)
                guard let first = tokens.first else { continue }
                phrases[first.lowercased(), default: []].append(
                    Phrase(definition: index, display: keyword, tokens: tokens, exactCase: true))
            }
        }
        self.canonical = canonical
        self.phrasesByFirstToken = phrases
    }

    /// The definition a tag name or alias refers to, if the taxonomy knows it.
    public func definition(for tag: String) -> TagDefinition? {
        canonical[Slug.make(tag)].map { definitions[$0] }
    }
}

/// Tag slugs: lowercase ASCII letters and digits joined by single hyphens.
public enum Slug {
    public static func make(_ text: String) -> String {
        var out = ""
        var pendingHyphen = false
        for scalar in text.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if Normalizer.isWordScalar(scalar) {
                if pendingHyphen && !out.isEmpty { out.append("-") }
                pendingHyphen = false
                out.unicodeScalars.append(scalar)
            } else if scalar != "." && scalar != "'" && scalar != "’" {
                pendingHyphen = true
            }
        }
        return out
    }
}

/// Word tokens with their case kept, split at every non-word character.
enum Tokens {
    static func split(_ text: String) -> [Substring] {
        text.split(whereSeparator: { character in
            !character.unicodeScalars.allSatisfy(Normalizer.isWordScalar)
        })
    }
}
