import Foundation

/// One thing a rule looks for in an article: a word or phrase (at word boundaries, any case), a word or
/// phrase in this exact case (`US`, not the pronoun `us`), or a regular expression.
public struct TagTerm: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        /// Lowercased word tokens, matched case-insensitively at word boundaries.
        case words([String])
        /// Word tokens as written, matched in this exact case at word boundaries.
        case exactWords([String])
        case pattern(TagPattern)
    }

    /// The term as the taxonomy file wrote it; shown in explanations.
    public var text: String
    public var match: Match
    /// What one hit in the body adds to the score (a hit in the title adds `weight × titleWeight`).
    public var weight: Double

    public init(text: String, match: Match, weight: Double = 1) {
        self.text = text
        self.match = match
        self.weight = weight
    }

    public static func keyword(_ text: String, weight: Double = 1) -> TagTerm {
        TagTerm(text: text, match: .words(Tokens.split(text).map { $0.lowercased() }), weight: weight)
    }

    public static func exact(_ text: String, weight: Double = 1) -> TagTerm {
        TagTerm(text: text, match: .exactWords(Tokens.split(text).map(String.init)), weight: weight)
    }

    /// A regular expression term; throws the compiler's message when `pattern` is not a valid expression.
    public static func regex(_ pattern: String, weight: Double = 1) throws -> TagTerm {
        TagTerm(text: pattern, match: .pattern(try TagPattern(pattern)), weight: weight)
    }
}

/// A compiled regular expression, compared by its source. Immutable once built, so safe to share.
///
/// Bounded, since ICU backtracks: a pattern that repeats a group which itself repeats (`(a+)+`, `(\w*\s?)*`),
/// which can take exponential time on a near miss, is refused when the taxonomy is loaded; a pattern only reads
/// the first `maxInput` UTF-16 units of a text; and a pattern that may backtrack long (`mayRunLong`: a shape the
/// load lets through, such as `(a|aa)*c`, can still take exponential time on a long run of `a`) stops after
/// `maxMatchTime` on one text, counting the matches found before it.
public struct TagPattern: @unchecked Sendable, Hashable {
    public let source: String
    let expression: NSRegularExpression
    /// How much of a title or body a pattern reads (64 Ki UTF-16 units; longer articles are matched on their start).
    public static let maxInput = 65_536
    /// How long a pattern may run on one text (an ordinary pattern takes microseconds on a news article).
    public static let maxMatchTime: Duration = .milliseconds(100)

    /// Throws `UnsafePattern` for a repeat inside a repeat, or the compiler's error for an invalid expression.
    public init(_ source: String) throws {
        let syntax = RegexSyntax(source)
        if let reason = Self.catastrophicShape(syntax) { throw UnsafePattern(reason: reason) }
        self.source = source
        self.expression = try NSRegularExpression(pattern: source)
        self.required = Self.requiredLiterals(syntax)
        self.guarded = Self.mayRunLong(syntax)
    }

    /// Is the run of this pattern timed (`mayRunLong`)? Timing it costs ~4 times the match (ICU calls back at every
    /// position: 160–165 µs against 37–48 on a 4 KB article with one hit), so patterns that cannot backtrack long
    /// run without.
    let guarded: Bool

    /// Literal texts every match holds: each inner list names alternatives, one of which is in every match
    /// (`\b(?:air|drone) strikes?\b` → [["air", "drone"], [" strike"]]). A text holding none of one list's
    /// alternatives cannot match, so the expression is not run on it. Empty when nothing is sure.
    let required: [[[UInt8]]]

    /// Matches in the first `maxInput` UTF-16 units of `text`, as many as were found in `timeLimit`.
    func count(in text: String, timeLimit: Duration = maxMatchTime) -> Int {
        if !required.isEmpty {
            var copy = text
            let possible = copy.withUTF8 { bytes in
                required.allSatisfy { alternatives in alternatives.contains { TextSearch.firstIndex(of: $0, in: bytes) != nil } }
            }
            guard possible else { return 0 }
        }
        let range = NSRange(location: 0, length: min(text.utf16.count, Self.maxInput))
        guard guarded else { return expression.numberOfMatches(in: text, range: range) }
        // With `reportProgress` ICU calls back as a match goes on, match or not: the run stops there once past the
        // limit (the clock is read every 256 calls).
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeLimit)
        var matches = 0
        var calls = 0
        expression.enumerateMatches(in: text, options: .reportProgress, range: range) { match, _, stop in
            if match != nil { matches += 1 }
            calls &+= 1
            if calls & 255 == 0 && clock.now >= deadline { stop.pointee = true }
        }
        return matches
    }

    /// May the pattern backtrack for long? True when it repeats anything without bound (`*`, `+`, `{n,}`) or repeats
    /// a group at all (`(a|aa){2,40}`); false when it repeats only single characters, sets and escapes a bounded
    /// number of times (`s?`, `\d{1,4}`): then a match tried at one position takes a bounded number of steps. In
    /// doubt (`\Q`, an unclosed set), true.
    static func mayRunLong(_ syntax: RegexSyntax) -> Bool {
        guard syntax.complete else { return true }
        let tokens = syntax.tokens
        for (i, token) in tokens.enumerated() {
            switch token {
            case .atom(.quoted): return true
            case .quantifier(_, nil): return true
            case .quantifier where i > 0 && tokens[i - 1] == .close: return true
            default: continue
            }
        }
        return false
    }

    /// The literals every match of the pattern must hold, read off its top level: runs of plain characters
    /// (letters, digits, space and punctuation that means itself) and groups whose alternatives are all
    /// such runs. A quantified character or group that may occur zero times is not required. Empty (no
    /// filter) for a top-level `|`, inline flags, look-arounds, `\Q` quoting or anything not understood;
    /// only ever too little is required, never too much.
    static func requiredLiterals(_ syntax: RegexSyntax) -> [[[UInt8]]] {
        let tokens = syntax.tokens
        guard syntax.complete, !tokens.contains(where: { $0 == .atom(.quoted) || $0 == .open(plain: false) }) else { return [] }
        var required: [[[UInt8]]] = []
        var run: [UInt8] = []
        func endRun() {
            if !run.isEmpty { required.append([run]) }
            run = []
        }
        /// The quantifier at `i`, if there is one there: may it occur zero times?
        func quantifier(at i: Int) -> (present: Bool, zero: Bool) {
            guard i < tokens.count, case .quantifier(let min, _) = tokens[i] else { return (false, false) }
            return (true, min == 0)
        }
        var i = 0
        while i < tokens.count {
            switch tokens[i] {
            case .alternation:
                return []
            case .open:
                // A group: required when its alternatives are all plain runs and it may not occur zero times.
                var j = i + 1
                var depth = 1
                var inner: [UInt8] = []
                var alternatives: [[UInt8]] = []
                var simple = true
                while j < tokens.count {
                    switch tokens[j] {
                    case .open: depth += 1; simple = false
                    case .close: depth -= 1
                    case .alternation where depth == 1: alternatives.append(inner); inner = []
                    case .atom(.literal(let byte)) where depth == 1 && !quantifier(at: j + 1).present: inner.append(byte)
                    default: simple = false
                    }
                    if depth == 0 { break }
                    j += 1
                }
                guard depth == 0 else { return [] }
                alternatives.append(inner)
                endRun()
                let after = quantifier(at: j + 1)
                if simple && !after.zero && alternatives.allSatisfy({ !$0.isEmpty }) { required.append(alternatives) }
                i = j + 1 + (after.present ? 1 : 0)
            case .atom(.literal(let byte)):
                let after = quantifier(at: i + 1)
                if !after.present {
                    run.append(byte)
                } else {
                    // The quantifier takes the one character before it; what follows is no longer next to the run.
                    if !after.zero { run.append(byte) }
                    endRun()
                }
                i += after.present ? 2 : 1
            default:
                // `.`, `^`, `$`, a class escape (`\d`, `\b`), a set, an unmatched bracket: the run ends here.
                endRun()
                i += 1 + (quantifier(at: i + 1).present ? 1 : 0)
            }
        }
        endRun()
        return required
    }

    /// Why a pattern is refused: it nests an unbounded repeat (`*`, `+`, `{n,}`) inside a group that is
    /// itself repeated without bound. Nil when it does not.
    static func catastrophicShape(_ syntax: RegexSyntax) -> String? {
        let tokens = syntax.tokens
        // One entry per open group: whether it holds an unbounded repeat.
        var groups: [Bool] = [false]
        for (i, token) in tokens.enumerated() {
            var repeated = false
            if i + 1 < tokens.count, case .quantifier(_, nil) = tokens[i + 1] { repeated = true }
            switch token {
            case .open:
                groups.append(false)
            case .close:
                let inner = groups.count > 1 ? groups.removeLast() : false
                if inner && repeated {
                    return "repeats a group that itself repeats (like (a+)+), which can take exponential time; "
                        + "rewrite it with a single repeat"
                }
                if inner || repeated { groups[groups.count - 1] = true }
            case .atom:
                if repeated { groups[groups.count - 1] = true }
            case .alternation, .quantifier:
                continue
            }
        }
        return nil
    }

    public static func == (a: TagPattern, b: TagPattern) -> Bool { a.source == b.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}

/// A regular expression refused because of its shape; `reason` says why and what to do.
public struct UnsafePattern: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { reason }
}

/// When a taxonomy rule gives its tag: every `all` group and the `any` group (when not empty) must have a
/// hit, no `veto` term may have one, and the score — each hit of a scoring term (the keywords and the
/// terms of the groups) worth its weight in the body and `weight × titleWeight` in the title — must
/// reach `minScore`. A word hit that lies inside a hit of an `exclude` phrase does not count
/// ("Mexico" inside "New Mexico").
public struct TagRule: Sendable, Hashable {
    public var keywords: [TagTerm]
    /// Each group needs at least one hit.
    public var all: [[TagTerm]]
    /// When not empty, at least one of these needs a hit.
    public var any: [TagTerm]
    /// Phrases inside which the rule's word hits do not count.
    public var exclude: [TagTerm]
    /// Any hit of one of these and the rule gives nothing.
    public var veto: [TagTerm]
    public var titleWeight: Double
    public var minScore: Double

    public init(keywords: [TagTerm] = [], all: [[TagTerm]] = [], any: [TagTerm] = [], exclude: [TagTerm] = [],
                veto: [TagTerm] = [], titleWeight: Double = 3, minScore: Double = 3) {
        self.keywords = keywords
        self.all = all
        self.any = any
        self.exclude = exclude
        self.veto = veto
        self.titleWeight = titleWeight
        self.minScore = minScore
    }

    /// True when the rule can ever give its tag.
    public var isEmpty: Bool { keywords.isEmpty && all.isEmpty && any.isEmpty }

    /// How many of `terms` score: they come first.
    var scoringCount: Int { Set((keywords + all.flatMap { $0 } + any).map(\.match)).count }

    /// Every term, each once, scoring terms first: the order in which hits are counted.
    var terms: [TagTerm] {
        var seen = Set<TagTerm.Match>()
        var out: [TagTerm] = []
        for term in keywords + all.flatMap({ $0 }) + any + exclude + veto where seen.insert(term.match).inserted {
            out.append(term)
        }
        return out
    }
}

/// One tag of the taxonomy: its canonical slug, its display name, the names it is also known by, and the
/// rule that gives it to an article that does not declare it.
public struct TagDefinition: Sendable, Hashable {
    public var slug: String
    public var name: String
    /// Other names that mean this tag (`u.s.`, `usa`, `American`); matched as slugs.
    public var aliases: [String]
    public var rule: TagRule

    public init(slug: String, name: String, aliases: [String] = [], rule: TagRule) {
        self.slug = slug
        self.name = name
        self.aliases = aliases
        self.rule = rule
    }

    /// A tag whose rule is plain keyword scoring: `keywords` any case, `exactKeywords` in this case.
    public init(
        slug: String, name: String, aliases: [String] = [], keywords: [String] = [], exactKeywords: [String] = [],
        titleWeight: Double = 3, minScore: Double = 3
    ) {
        self.init(slug: slug, name: name, aliases: aliases, rule: TagRule(
            keywords: keywords.map { TagTerm.keyword($0) } + exactKeywords.map { TagTerm.exact($0) },
            titleWeight: titleWeight, minScore: minScore))
    }
}

/// The set of known tags, with the lookup tables the tagger needs built once.
public struct Taxonomy: Sendable {
    public let definitions: [TagDefinition]
    /// Every slug and alias slug → index of its definition.
    let canonical: [String: Int]
    /// Per definition, its rule's terms in counting order (`TagRule.terms`).
    let terms: [[TagTerm]]
    /// First lowercased token of a word term → the terms starting with it.
    let wordTermsByFirstToken: [String: [TermRef]]
    /// Every regular expression term.
    let patternTerms: [(ref: TermRef, pattern: TagPattern)]
    /// Per definition, the positions in `terms` of its `exclude` phrases.
    let excludePositions: [Set<Int>]
    /// Per definition, where its rule's groups are in `terms`, worked out once instead of per article.
    let rulePositions: [RulePositions]
    /// `wordTermsByFirstToken` over bytes, for the tagger's byte path: the lowercased first words' ids …
    let firstWords: FeatureInterner
    /// … and, per id, the terms starting with that word.
    let termsByFirstWord: [[TermRef]]
    /// Per definition, per term: a word term's words as UTF-8 bytes (nil for a regular expression).
    let termWords: [[TermWords?]]

    struct TermRef: Sendable, Hashable {
        var definition: Int
        var term: Int
    }

    /// Positions in the definition's `terms` of the rule's `veto`, `all` and `any` terms, and how many
    /// of `terms` score (they come first).
    struct RulePositions: Sendable {
        var veto: [Int]
        var all: [[Int]]
        var any: [Int]
        var scoring: Int
    }

    /// A word term's words, lowercased (`words`) or as written (`exactWords`).
    struct TermWords: Sendable {
        var words: [[UInt8]]
        var exact: Bool
    }

    public init(_ definitions: [TagDefinition]) {
        self.definitions = definitions
        var canonical: [String: Int] = [:]
        var words: [String: [TermRef]] = [:]
        var patterns: [(TermRef, TagPattern)] = []
        var allTerms: [[TagTerm]] = []
        var excludes: [Set<Int>] = []
        var rules: [RulePositions] = []
        var firstWords = FeatureInterner()
        var byFirstWord: [[TermRef]] = []
        var termWords: [[TermWords?]] = []
        for (index, definition) in definitions.enumerated() {
            for alias in definition.aliases { canonical[Slug.make(alias)] = index }
            let rule = definition.rule
            let terms = rule.terms
            allTerms.append(terms)
            let excluded = Set(rule.exclude.map(\.match))
            excludes.append(Set(terms.indices.filter { excluded.contains(terms[$0].match) }))
            // `terms` holds each match once, so a match's position is unique.
            let position = Dictionary(uniqueKeysWithValues: terms.enumerated().map { ($0.element.match, $0.offset) })
            let positions = { (group: [TagTerm]) in group.map { position[$0.match]! } }
            rules.append(RulePositions(veto: positions(rule.veto), all: rule.all.map(positions), any: positions(rule.any),
                                       scoring: rule.scoringCount))
            var definitionWords: [TermWords?] = []
            for (position, term) in terms.enumerated() {
                let ref = TermRef(definition: index, term: position)
                switch term.match {
                case .words(let tokens), .exactWords(let tokens):
                    var exact = false
                    if case .exactWords = term.match { exact = true }
                    definitionWords.append(TermWords(words: tokens.map { Array($0.utf8) }, exact: exact))
                    guard let first = tokens.first?.lowercased() else { continue }
                    words[first, default: []].append(ref)
                    let id = Int(firstWords.add(first))
                    if id == byFirstWord.count { byFirstWord.append([]) }
                    byFirstWord[id].append(ref)
                case .pattern(let pattern):
                    definitionWords.append(nil)
                    patterns.append((ref, pattern))
                }
            }
            termWords.append(definitionWords)
        }
        // A slug always names its own tag, whatever alias another tag may claim.
        for (index, definition) in definitions.enumerated() { canonical[definition.slug] = index }
        self.canonical = canonical
        self.terms = allTerms
        self.wordTermsByFirstToken = words
        self.patternTerms = patterns
        self.excludePositions = excludes
        self.rulePositions = rules
        self.firstWords = firstWords
        self.termsByFirstWord = byFirstWord
        self.termWords = termWords
    }

    /// No tags at all.
    public static let empty = Taxonomy([])

    /// The definition a tag name or alias refers to, if the taxonomy knows it.
    public func definition(for tag: String) -> TagDefinition? {
        canonical[Slug.make(tag)].map { definitions[$0] }
    }

    /// The canonical slug for a tag name or alias: the taxonomy's slug when it knows the name, else the
    /// name's own slug (an unknown tag is kept as a tag of its own).
    public func canonicalSlug(for tag: String) -> String {
        definition(for: tag)?.slug ?? Slug.make(tag)
    }

    /// Every alias slug (not the canonical slugs themselves) → the canonical slug it stands for.
    public var aliasSlugs: [String: String] {
        var out: [String: String] = [:]
        for (alias, index) in canonical where alias != definitions[index].slug { out[alias] = definitions[index].slug }
        return out
    }
}

/// Tag slugs: lowercase letters and digits joined by single hyphens.
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
        asciiSplit(text) ?? unicodeSplit(text)
    }

    static func unicodeSplit(_ text: String) -> [Substring] {
        text.split(whereSeparator: { character in
            !character.unicodeScalars.allSatisfy(Normalizer.isWordScalar)
        })
    }
}
