import Foundation
import Testing

@testable import Pipeline

/// The tagger's byte path (word terms looked up by the hash of their lowercased bytes) finds exactly the
/// matches of the `String` path it short-cuts, and a regular expression's literal pre-check never hides a
/// match the expression would have found.
struct TaggerBytePathTests {
    /// Matches as comparable rows: definition, term position, first and last token.
    private static func rows(_ found: [Int: [Tagger.WordHit]]) -> [[Int]] {
        found.flatMap { definition, hits in hits.map { [definition, $0.term, $0.span.lowerBound, $0.span.upperBound] } }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }

    private static func expectSameMatches(_ text: String, _ taxonomy: Taxonomy, sourceLocation: SourceLocation = #_sourceLocation) {
        let fast = rows(Tagger.wordHits(in: text, taxonomy: taxonomy))
        let reference = rows(Tagger.tokenWordHits(in: text, taxonomy: taxonomy))
        #expect(fast == reference, "\(text.prefix(200))", sourceLocation: sourceLocation)
    }

    @Test func theLabelledTopicSetGetsTheSameMatchesBothWays() {
        let (train, test) = LabelledTopicSet.make(trainCount: 120, testCount: 60)
        var matched = 0
        for document in train + test {
            for text in [document.article.title, document.article.body] {
                Self.expectSameMatches(text, .builtIn)
                matched += Self.rows(Tagger.wordHits(in: text, taxonomy: .builtIn)).count
            }
        }
        // Not vacuous: the set is made of the taxonomy's own vocabulary.
        #expect(matched > 500)
    }

    @Test func theSeedsGetTheSameMatchesBothWays() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: DaemonHarness.seedsDirectory.path).filter { $0.hasSuffix(".txt") }
        #expect(names.count >= 2)
        for name in names {
            let text = String(decoding: try DaemonHarness.seed(name), as: UTF8.self)
            Self.expectSameMatches(text, .builtIn)
            #expect(!Tagger.wordHits(in: text, taxonomy: .builtIn).isEmpty)
        }
    }

    /// Phrases, exact-case terms, excludes and the first word shared by several terms, in every case and
    /// between every kind of separator, including the non-ASCII ones the byte path accepts and text it does not.
    @Test func fuzzedTextsFromTheTermsGetTheSameMatchesBothWays() throws {
        let taxonomy = try TaxonomyFile.parse("""
            tags:
              china:
                keywords: [china, beijing, xi jinping, new york times]
                exact: [US, PRC]
                exclude: [fine china, new mexico]
              mexico:
                keywords: [mexico, new mexico, new york]
                all: [[border, wall], [mexico city, cdmx]]
              weather:
                keywords: [storm, new]
                veto: [brainstorm]
            """, source: "t.yaml")
        let words = ["china", "China", "CHINA", "fine", "Fine", "beijing", "xi", "Xi", "jinping", "new", "New", "NEW", "york",
                     "York", "times", "US", "us", "Us", "PRC", "prc", "mexico", "Mexico", "city", "cdmx", "border", "wall",
                     "storm", "brainstorm", "the", "a", "of", "2024", "U", "S", "newyork", "chinas", "Zürich", "café"]
        let separators = [" ", "  ", ", ", ". ", "\n", "-", "'", "\u{00A0}", " \u{2014} ", "\u{201C}", "\u{2026}", "/", "é", "\t"]
        var random = SplitMix64(seed: 7)
        var byBytes = 0
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<(1 + random.next(below: 30)) {
                text += words[random.next(below: words.count)] + separators[random.next(below: separators.count)]
            }
            var copy = text
            if copy.withUTF8({ Tokens.asciiRanges($0) }) != nil { byBytes += 1 }
            Self.expectSameMatches(text, taxonomy)
        }
        // Both paths come up.
        #expect(byBytes > 300 && byBytes < 2900)
    }

    @Test func ruleMatchesAreUnchangedOnTheTopicSet() {
        // Scores and evidence are computed from the hits; the positions worked out at load give the same
        // verdicts as looking each rule term up per article.
        let (_, test) = LabelledTopicSet.make(trainCount: 0, testCount: 80)
        var tagged = 0
        for document in test {
            let tags = Tagger.ruleMatches(document.article, taxonomy: .builtIn)
            tagged += tags.count
            for tag in tags {
                #expect(tag.evidence?.contains("score") == true)
                #expect((tag.score ?? 0) >= 3)
            }
        }
        #expect(tagged > 40)
    }

    @Test(arguments: [
        ("\\b(?:presidential|general|snap) elections?\\b", [["presidential", "general", "snap"], [" election"]]),
        ("\\b(?:air|drone) (?:strike|attack)s?\\b", [["air", "drone"], [" "], ["strike", "attack"]]),
        ("Sino-\\w+", [["Sino-"]]),
        ("colou?r", [["colo"], ["r"]]),
        ("ab+c", [["ab"], ["c"]]),
        ("a\\.b[xy]z{2}", [["a.b"], ["z"]]),
        ("(?:foo)?bar", [["bar"]]),
        ("(foo|)bar", [["bar"]]),
        ("(?:x(y|z))w", [["w"]]),
        ("\\d+ million", [[" million"]]),
    ])
    func theLiteralsAPatternRequires(pattern: String, expected: [[String]]) {
        let required = TagPattern.requiredLiterals(RegexSyntax(pattern)).map { $0.map { String(decoding: $0, as: UTF8.self) } }
        #expect(required == expected)
    }

    @Test(arguments: ["foo|bar", "(?i)china", "(?=x)y", "(?<n>ab)", "\\Qa|b\\E", "a(?i:b)"])
    func patternsThatCannotBeReadSafelyRequireNothing(pattern: String) {
        #expect(TagPattern.requiredLiterals(RegexSyntax(pattern)).isEmpty)
    }

    /// The pre-check against the expression alone, on texts built to come near the patterns.
    @Test func thePreCheckNeverChangesACount() throws {
        let patterns = ["\\b(?:presidential|parliamentary|general|midterm|local|snap) elections?\\b",
                        "\\b(?:air|drone|missile|rocket) (?:strike|attack)s?\\b", "colou?r", "ab+c", "a\\.b[xy]z{2}",
                        "(?:foo)?bar", "\\d+ million", "Sino-\\w+", "x{0,2}yz", "(?:new|old) (?:york|delhi)+"]
        let words = ["presidential", "general", "snap", "election", "elections", "air", "drone", "strike", "attacks",
                     "color", "colour", "colr", "abbbc", "ac", "a.bxzz", "a.byz", "foobar", "bar", "12 million", "million",
                     "Sino-Japanese", "Sino-", "xxyz", "yz", "new york", "old delhidelhi", "New York", "the", "Élection"]
        var random = SplitMix64(seed: 11)
        var matches = 0
        for source in patterns {
            let pattern = try TagPattern(source)
            #expect(!pattern.required.isEmpty, "\(source)")
            for _ in 0..<400 {
                var text = ""
                for _ in 0..<(1 + random.next(below: 8)) {
                    text += words[random.next(below: words.count)] + [" ", "", ", ", "\n"][random.next(below: 4)]
                }
                let expected = pattern.expression.numberOfMatches(in: text, range: NSRange(location: 0, length: text.utf16.count))
                #expect(pattern.count(in: text) == expected, "\(source) on \(text)")
                matches += expected
            }
        }
        #expect(matches > 500)
    }

    /// Escapes that name one character or class with letters (`\p{Lu}`, `\N{DIGIT ONE}`, `\x{41}`) are one position,
    /// not literal text: `\p{Lu}\w+ council` required the letters "Lu" and missed "the Town council".
    @Test(arguments: [
        ("\\p{Lu}\\w+ council", [[" council"]]),
        ("a\\N{DIGIT ONE}b", [["a"], ["b"]]),
        ("\\x{41}bc", [["bc"]]),
        ("\\x41bc\\u0041d", [["bc"], ["d"]]),
        ("\\pLx", [["x"]]),
    ])
    func escapesWithLettersAreOnePosition(pattern: String, expected: [[String]]) throws {
        #expect(TagPattern.requiredLiterals(RegexSyntax(pattern)).map { $0.map { String(decoding: $0, as: UTF8.self) } } == expected)
    }

    /// Random patterns of escapes, sets, groups, quantifiers, flags and quoting, on random texts made of pieces that
    /// come near them: the pre-check never hides a match the expression finds.
    @Test func thePreCheckNeverHidesAMatchOfARandomPattern() throws {
        let pieces = ["\\p{Lu}", "\\pL", "\\x{41}", "\\x41", "\\u0041", "\\0101", "\\N{DIGIT ONE}", "\\cA", "a", "b", "c", " ",
                      "\\.", "\\(", "[ab]", "[^ ]", "(", ")", "(?:", "|", "?", "+", "*", "{2}", "{1,}", "{0,2}", "+?", "\\d", "\\w",
                      "\\b", ".", "council", "Lu", "(?i)", "(?=b)", "\\Qa.b\\E", "\\1", "é"]
        let words = ["A", "Lu", "council", "Council", "bc", "1", " ", "x", "ab", "aab", "DIGIT ONE", ".", "(", "a.b", "é", "\u{1}", "b"]
        var (random, seed) = TestRandom.generator()
        var (filtered, tried) = (0, 0)
        for _ in 0..<1_500 {
            let source = (0..<Int.random(in: 1...7, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            guard let pattern = try? TagPattern(source) else { continue }
            tried += 1
            if !pattern.required.isEmpty { filtered += 1 }
            for _ in 0..<20 {
                let text = (0..<Int.random(in: 1...8, using: &random)).map { _ in words.randomElement(using: &random)! }.joined()
                let expected = pattern.expression.numberOfMatches(in: text, range: NSRange(location: 0, length: text.utf16.count))
                #expect(pattern.count(in: text) == expected, "seed \(seed): \(source.debugDescription) on \(text.debugDescription)")
            }
        }
        #expect(tried > 500 && filtered > 200, "\(tried) patterns compiled, \(filtered) with a pre-check")
    }
}
