import Foundation
import Testing

@testable import Pipeline

/// The native search and trim give what the Foundation calls they replace give.
struct TextSearchTests {
    static let lines: [String] = [
        "  \t padded line\u{00A0}\u{2003}", "Photo: AP", "(Photo by Jane Doe/Reuters)", "no marker here",
        "© 2024 Example Media. All rights reserved.", "all rights reserved", "", "   ", "\u{3000}ideographic space\u{3000}",
        "Skip to main content", "Café — “quoted” line", "tab\tinside stays",
    ]
    static let needles = ["Photo:", "(Photo", "/Reuters", "all rights reserved", "skip to main content", "Café", "inside"]

    @Test func containsMatchesFoundation() {
        for line in Self.lines {
            for needle in Self.needles {
                #expect(TextSearch.contains(line, needle) == line.contains(needle), "\(line.debugDescription) ∋ \(needle)")
                #expect(TextSearch.contains(line.lowercased(), needle) == line.lowercased().contains(needle))
            }
        }
    }

    @Test func trimmingMatchesFoundation() {
        for line in Self.lines {
            #expect(TextSearch.trimmingWhitespace(line) == line.trimmingCharacters(in: .whitespaces), "\(line.debugDescription)")
        }
    }

    @Test func letterCountMatchesScalarProperties() {
        for line in Self.lines {
            #expect(TextSearch.letterCount(line) == line.unicodeScalars.filter { $0.properties.isAlphabetic }.count)
        }
    }
}

struct LineAndWordSplitTests {
    static let texts: [String] = TextSearchTests.lines + ASCIITextFastPathTests.samples + [
        "one\ntwo\r\nthree\rfour\u{2028}five\u{2029}six\u{85}seven\u{0B}eight\u{0C}nine\n\n\r\n",
        "\r\n\r\n", "\n", "trailing\r", "word \u{301}mark after a space", "a\u{00A0}b\u{2009}c\u{202F}d\u{3000}e",
        "Grüße aus München: die Straße ist ½ so breit. ¿Qué pasó? Łódź, Ǆemal, ɏ, «ça» ×2 ÷ 3",
        "Latin letter then a mark: é\u{301} and \u{E9}\u{300} \u{301}after a space, ü\u{200D} joined",
        "soft\u{AD}hyphen and \u{85}next line and ÿ\u{0250}",
    ] + ASCIITextFastPathTests.newsFiles

    @Test func stopWordsIgnoreCaseLikeLowercased() {
        for text in Self.texts + ["THE And oF", "\u{212A}now İt Whom WHOM"] {
            for word in text.split(whereSeparator: \.isWhitespace) {
                #expect(Stopwords.isEnglish(word) == Stopwords.english.contains(word.lowercased()), "\(word.debugDescription)")
            }
        }
    }

    @Test func byteCollapseMatchesStringCollapse() {
        for text in Self.texts + ["\u{200B}zero\u{200B}width\u{FEFF}", "\u{1680}ogham\u{205F}math\u{85}", "ー、，,"] {
            var out: [UInt8] = []
            let bytes = Array(text.utf8)
            let counts = bytes.withUnsafeBufferPointer { Markup.collapse($0, into: &out) }
            let expected = Markup.collapse(text)
            #expect(String(decoding: out, as: UTF8.self) == expected, "\(text.prefix(80).debugDescription)")
            #expect(counts.scalars == expected.unicodeScalars.count)
            #expect(counts.commas == expected.unicodeScalars.filter { $0 == "," || $0 == "，" || $0 == "、" }.count)
        }
    }

    @Test func linesMatchCharacterSplit() {
        for text in Self.texts {
            #expect(TextSearch.lines(text).map(String.init)
                == text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init),
                "\(text.prefix(80).debugDescription)")
        }
    }

    @Test func wordsMatchCharacterSplit() {
        for text in Self.texts {
            #expect(TextSearch.words(text).map(String.init) == text.split(whereSeparator: \.isWhitespace).map(String.init),
                    "\(text.prefix(80).debugDescription)")
        }
    }
}
