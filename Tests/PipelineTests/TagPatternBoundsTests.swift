import Foundation
import Testing

@testable import Pipeline

/// Taxonomy regexes are bounded: catastrophic shapes are refused at load with where and why; any other
/// pattern reads at most `TagPattern.maxInput` of a text, for at most `TagPattern.maxMatchTime`.
struct TagPatternBoundsTests {
    @Test(arguments: ["(a+)+$", "(\\w*\\s?)*x", "((ab)+c)*", "(x+){2,}", "(?:\\d+,)+\\d"])
    func aRepeatInsideARepeatIsRefusedAtLoadWithItsPlace(pattern: String) {
        let yaml = "tags:\n  china:\n    regex: ['Sino-\\w+', '\(pattern.replacingOccurrences(of: "'", with: "''"))']\n"
        #expect {
            _ = try TaxonomyFile.parse(yaml, source: "t.yaml")
        } throws: { error in
            guard let error = error as? TaxonomyFileError else { return false }
            return error.line == 3 && error.message.contains("repeats a group that itself repeats")
                && error.description.hasPrefix("t.yaml:3:")
        }
    }

    @Test(arguments: ["Sino-\\w+", "(foo|bar)+", "\\b(19|20)\\d{2}\\b", "[(+*]+x", "\\(a+\\)+", "(\\d{1,3},)?\\d+", "\\Q(a+)+\\E"])
    func ordinaryPatternsLoad(pattern: String) throws {
        #expect(TagPattern.catastrophicShape(RegexSyntax(pattern)) == nil, "\(pattern)")
        _ = try TagPattern(pattern)
    }

    @Test func aPatternReadsOnlyTheStartOfAVeryLongText() throws {
        let pattern = try TagPattern("Sino-\\w+")
        let filler = String(repeating: "word ", count: TagPattern.maxInput / 5 + 10)
        #expect(pattern.count(in: "Sino-Japanese " + filler) == 1)
        #expect(pattern.count(in: filler + " Sino-Japanese") == 0, "a hit past the bound")
    }

    /// A pattern the load lets through that backtracks for ever on a near miss (`(a|aa)*c` tries every way of cutting
    /// a run of `a` into ones and twos: ~2^69 on 100 of them) stops at its time limit; what it matched before
    /// counts, and other texts and patterns are matched as before.
    @Test(.timeLimit(.minutes(1))) func aPatternThatBacktracksForEverStopsAtItsTimeLimit() throws {
        #expect(TagPattern.catastrophicShape(RegexSyntax("(a|aa)*c")) == nil)
        let pattern = try TagPattern("(a|aa)*c")
        #expect(pattern.guarded)
        let nearMiss = String(repeating: "a", count: 100)
        #expect(pattern.count(in: nearMiss, timeLimit: .milliseconds(20)) == 0)
        #expect(pattern.count(in: "aac ac c " + nearMiss, timeLimit: .milliseconds(200)) == 3)
        #expect(pattern.count(in: "aac ac c") == 3)
        // Through the tagger: a taxonomy with the pattern tags a document that holds the near miss and a hit.
        let yaml = "tags:\n  odd:\n    regex: ['(a|aa)*c']\n    min_score: 1\n"
        let taxonomy = try TaxonomyFile.parse(yaml, source: "t.yaml")
        let hits = Tagger.hits(in: "ac " + nearMiss, taxonomy: taxonomy)
        #expect(hits.values.flatMap(\.values).reduce(0, +) == 1)
    }

    /// Which patterns are timed: those that repeat without bound or repeat a group; not those that repeat only
    /// single characters, sets and escapes a bounded number of times (the built-in taxonomy's).
    @Test func onlyPatternsThatMayBacktrackLongAreTimed() throws {
        for long in ["a*", "x+y", "\\w{2,}", "(ab)?c", "(a|aa){2,40}c", "(?:x|y){3}", "[a-z]+", "\\Qa\\E", "[ab", "a{2"] {
            #expect(TagPattern.mayRunLong(RegexSyntax(long)), "\(long)")
        }
        for short in ["elections?", "\\b(?:air|drone) (?:strike|attack)s?\\b", "\\d{1,4}-\\d{2}", "[*+?{]x", "\\*\\+\\(a\\)?",
                      "(?i)sino-japanese", "colou?r", "[[a-z]&&[^q]]{3}"] {
            #expect(!TagPattern.mayRunLong(RegexSyntax(short)), "\(short)")
        }
        let taxonomy = Taxonomy.builtIn
        #expect(!taxonomy.patternTerms.isEmpty)
        for (_, pattern) in taxonomy.patternTerms { #expect(!pattern.guarded, "\(pattern.source)") }
    }

    /// The tokenizer the three checks share: each escape, set, quoted run and group opening is one token, a quantifier
    /// takes its lazy or possessive mark, and what it cannot follow leaves it incomplete.
    @Test func patternsAreReadAsTokens() {
        typealias T = RegexSyntax.Token
        let cases: [(String, [T], Bool)] = [
            ("\\p{Lu}+x", [.atom(.other), .quantifier(min: 1, max: nil), .atom(.literal(0x78))], true),
            ("a{2,5}?\\.", [.atom(.literal(0x61)), .quantifier(min: 2, max: 5), .atom(.literal(0x2E))], true),
            ("(?i)(?:b|c)*+", [.open(plain: false), .close, .open(plain: true), .atom(.literal(0x62)), .alternation,
                               .atom(.literal(0x63)), .close, .quantifier(min: 0, max: nil)], true),
            ("(?<n>x)(?<=y)(?#note)", [.open(plain: false), .atom(.literal(0x78)), .close, .open(plain: false),
                                       .atom(.literal(0x79)), .close, .open(plain: false), .close], true),
            ("[a[b]\\]]{3,}\\Qa(b\\E?", [.atom(.set), .quantifier(min: 3, max: nil), .atom(.quoted), .quantifier(min: 0, max: 1)], true),
            ("\\x41\\u00e9\\0101\\cAé^$", [.atom(.other), .atom(.other), .atom(.other), .atom(.other), .atom(.other),
                                         .atom(.other), .atom(.other)], true),
            ("[ab", [.atom(.set)], false),
            ("a{x}", [.atom(.literal(0x61)), .atom(.other), .atom(.literal(0x78)), .atom(.other)], false),
            ("\\Qab", [.atom(.quoted)], false),
        ]
        for (pattern, tokens, complete) in cases {
            let syntax = RegexSyntax(pattern)
            #expect(syntax.tokens == tokens, "\(pattern)")
            #expect(syntax.complete == complete, "\(pattern)")
        }
    }
}
