import Foundation
import Testing

@testable import Pipeline

/// Taxonomy regexes are bounded: catastrophic shapes are refused at load with where and why; any other
/// pattern reads at most `TagPattern.maxInput` of a text.
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
        #expect(TagPattern.catastrophicShape(pattern) == nil, "\(pattern)")
        _ = try TagPattern(pattern)
    }

    @Test func aPatternReadsOnlyTheStartOfAVeryLongText() throws {
        let pattern = try TagPattern("Sino-\\w+")
        let filler = String(repeating: "word ", count: TagPattern.maxInput / 5 + 10)
        #expect(pattern.count(in: "Sino-Japanese " + filler) == 1)
        #expect(pattern.count(in: filler + " Sino-Japanese") == 0, "a hit past the bound")
    }
}
