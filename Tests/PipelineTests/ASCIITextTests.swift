import Foundation
import Testing

@testable import Pipeline

/// The byte-level fast paths must give exactly what the Unicode paths give, and must be taken for
/// ordinary English news text (else the speed-up silently vanishes).
struct ASCIITextFastPathTests {
    static let samples: [String] = [
        "Plain ASCII text, with punctuation; digits 2024 and CAPITALS.",
        "“Curly quotes” — em dash – en dash… ellipsis, it’s ‘single’ «guillemets» and\u{00A0}no-break space",
        "\u{2022} bullet \u{2024}\u{2025} leaders \u{2017} double low line \u{2010}hyphen\u{2011}",
        "Windows line ends\r\nand tabs\there  ",
        "Café, naïve, résumé: precomposed letters",
        "cafe\u{301} with a combining accent, and \u{201C}\u{301} a mark on a quote",
        "ﬁne ligature, ½ fraction, ① circled, ＡＢＣ full width, Ⅻ numeral",
        "zero\u{200B}width, joiner\u{200D}here, non\u{200C}joiner, line\u{2028}separator",
        "Ελληνικά и русский текст, 中文 text",
        "", "   ", "—", "a",
    ]

    /// The one byte-lowering helper the readers share: ASCII capitals become small letters, every other byte stays.
    @Test func aByteIsLowercasedAsASCIIIs() {
        for value in 0...255 {
            let b = UInt8(value)
            let expected = b < 0x80 ? Array(String(UnicodeScalar(b)).lowercased().utf8)[0] : b
            #expect(b.asciiLowercased == expected, "\(value)")
        }
    }

    static var newsFiles: [String] {
        let dir = Fixtures.url("plain")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted().compactMap {
            try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)
        }
    }

    @Test func normalizeFastPathMatchesUnicodePath() {
        for text in Self.samples + Self.newsFiles {
            if let fast = Normalizer.asciiNormalized(text) {
                #expect(fast == Normalizer.unicodeNormalized(text), "\(text.debugDescription)")
            }
        }
    }

    @Test func tokensFastPathMatchesUnicodePath() {
        for text in Self.samples + Self.newsFiles {
            if let fast = Tokens.asciiSplit(text) {
                #expect(fast.map(String.init) == Tokens.unicodeSplit(text).map(String.init), "\(text.debugDescription)")
            }
        }
    }

    @Test func newsTextTakesTheFastPath() {
        let news = Self.newsFiles
        #expect(news.count >= 2)
        for text in news + Array(Self.samples.prefix(4)) {
            #expect(Normalizer.asciiNormalized(text) != nil, "\(text.prefix(60).debugDescription)")
            #expect(Tokens.asciiSplit(text) != nil, "\(text.prefix(60).debugDescription)")
        }
    }

    @Test func otherTextTakesTheUnicodePath() {
        for text in Self.samples[4...8] {
            #expect(Normalizer.asciiNormalized(text) == nil, "\(text.debugDescription)")
            #expect(Tokens.asciiSplit(text) == nil, "\(text.debugDescription)")
        }
    }
}

struct ASCIILowercaseTests {
    @Test func matchesLowercased() {
        for token in ["US", "Beijing", "fentanyl", "MiXeD123", "", "Ünïcode", "İstanbul", "ΣΟΦΙΑ"] {
            #expect(ASCIIWord.lowercased(token[...]) == token.lowercased(), "\(token)")
        }
    }
}
