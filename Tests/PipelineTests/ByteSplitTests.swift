import Foundation
import Testing

@testable import Pipeline

/// Story terms, word counts and shingles read ASCII text by bytes; they must give exactly what the
/// `Character` splits give, and news text must take the byte path.
struct ByteSplitTests {
    static let samples: [String] = ASCIITextFastPathTests.samples + [
        "Biden met Xi. Then Beijing said: talks resume!\nWashington's reply? Officials’ view — it’s done",
        "Windows\r\nLine Ends\r\nKeep Sentences Open\r\n\r\nOnly Real\nNewlines End Them",
        "O'Brien-Smith and al-Assad, ’quoted’ and trailing’",
        "Ends with a Name", "X", "’", "a’", "Lone\r", "\r\n", "A.B.C. U.S. officials",
        "Mixed Café Names and Zürich", "ﬁne Ligature Words",
    ]

    static var texts: [String] { samples + ASCIITextFastPathTests.newsFiles }

    @Test func storyTokensByBytesEqualTheCharacterTokens() {
        for text in Self.texts {
            guard let fast = StoryTerms.asciiTokens(text) else { continue }
            #expect(fast == StoryTerms.tokens(text), "\(text.prefix(80).debugDescription)")
        }
    }

    @Test func newsTextTakesTheByteSplits() {
        for text in ASCIITextFastPathTests.newsFiles + Array(Self.samples.prefix(4)) {
            #expect(StoryTerms.asciiTokens(text) != nil, "\(text.prefix(60).debugDescription)")
            #expect(Normalizer.asciiWordRanges(Normalizer.normalize(text)) != nil)
        }
        for text in ["Mixed Café Names", "ﬁne", "Ελληνικά", "zero\u{200B}width"] {
            #expect(StoryTerms.asciiTokens(text) == nil, "\(text)")
        }
    }

    @Test func wordRangesEqualTheSplit() {
        // Normalized text, and raw text too: the ranges must match `split` on any string.
        for text in Self.texts.flatMap({ [Normalizer.normalize($0), $0] }) + ["", " ", "  a  b ", "a", " x"] {
            let split = text.split(separator: " ").map(String.init)
            #expect(Normalizer.wordCount(text) == split.count, "\(text.prefix(60).debugDescription)")
            guard let ranges = Normalizer.asciiWordRanges(text) else { continue }
            #expect(ranges.map { String(decoding: Array(text.utf8)[$0], as: UTF8.self) } == split)
        }
    }

    @Test func shinglesByBytesEqualTheSplitShingles() {
        for text in Self.texts {
            let normalized = Normalizer.normalize(text)
            #expect(NearDuplicate.wordHashes(normalized) == normalized.split(separator: " ").map { NearDuplicate.fnv1a($0.utf8) })
        }
    }
}
