import Foundation
import Testing

@testable import Pipeline

/// The byte-level paths of the HTML reader give what the string code they replaced gave.
struct ReaderFastPathTests {
    static let texts: [String] = LineAndWordSplitTests.texts + [
        "\u{200B}zero\u{200B}width\u{FEFF}", "\u{1680}ogham\u{205F}math\u{85}", "ー、，,", "İSTANBUL NEWSLETTER",
        "SIGN\u{212A} UP", "Coo\u{212A}ie policy", "ΣΟΦΟΣ Sign Up", "Ⱥ Tags: a | b", "BY JANE DOE", "© 2024 ALL RIGHTS RESERVED",
        // Latin letters (U+00A1–U+024F), whose words `classify` counts over the bytes.
        "Die Bundesregierung hat am Dienstag beschlossen, dass die Förderung für Elektroautos früher endet als geplant.",
        "Über 300 Menschen – darunter Ärzte und Pflegekräfte aus der Region – kamen „zur Sitzung“ nach Köln",
        "Ça a été très difficile pour l’équipe, a-t-il dit à la presse après le match de samedi soir à Lyon «",
        "Zürich «Bahnhofstraße» ŝ", "ÖFFNUNGSZEITEN", "ÄRGER ÜBER", "Straße: Hauptstraße 5", "Tags: Köln | Zürich",
        "Łódź, Kraków i Gdańsk — ǅ ɏ ȸ ɐ¡ ¿qué? ½ × ÷ ª º µ", "Sign up für den Newsletter – jetzt kostenlos anmelden!",
        "Ärger über die Änderungen am Wochenende? Lesen Sie mehr über die Pläne der Stadt und ihrer Bürger.",
        "By Jörg Müller", "© 2024 Süddeutsche Zeitung", "Foto: Jörg Müller/dpa", "éé", "é", "e\u{301}té sans fin du tout pour eux et nous",
        "Nach dem Spiel sagte der Trainer, dass die Mannschaft gut gespielt habe und er sehr zufrieden sei mit dem Ergebnis “",
        "the word ends in ŝ and this line has more than eight words in it",
    ]

    /// White space collapsed scalar by scalar, as `Markup.collapse` did before it read bytes.
    static func scalarCollapse(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for scalar in text.unicodeScalars where scalar != "\u{00AD}" {
            if scalar.properties.isWhitespace || scalar == "\u{00A0}" || scalar == "\u{200B}" {
                space = true
            } else {
                if space && !out.isEmpty { out.append(" ") }
                space = false
                out.append(scalar)
            }
        }
        return String(out)
    }

    @Test func collapseMatchesScalarCollapse() {
        for text in Self.texts {
            #expect(Markup.collapse(text) == Self.scalarCollapse(text), "\(text.prefix(80).debugDescription)")
        }
        // Every White_Space scalar (and the soft hyphen, U+200B) between words.
        for v in 0...0x3000 {
            guard let scalar = Unicode.Scalar(v) else { continue }
            let text = "a" + String(scalar) + "b " + String(scalar)
            #expect(Markup.collapse(text) == Self.scalarCollapse(text), "U+\(String(v, radix: 16))")
        }
    }

    @Test func windows1252MatchesScalars() {
        let bytes = (0...255).map(UInt8.init)
        let high: [UInt32] = [
            0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD,
            0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
            0x0153, 0xFFFD, 0x017E, 0x0178,
        ]
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(Unicode.Scalar((0x80...0x9F).contains(byte) ? high[Int(byte) - 0x80] : UInt32(byte))!) }
        #expect(TextDecoding.windows1252(bytes) == String(scalars))
    }

    /// `classify` reads ASCII phrases, prefixes and labels in `matchingLowercased`: where they are found must
    /// be where they are found in `lowercased()`.
    @Test func matchingLowercasedFindsWhatLowercasedFinds() {
        let needles = ["sign up", "cookie", "newsletter", "by ", "tags", "all rights reserved", "©", "www.", "http://", "i", "k", " "]
        for text in Self.texts {
            let fast = LineClassifier.matchingLowercased(text)
            let slow = text.lowercased()
            if text.allSatisfy(\.isASCII) { #expect(fast == slow) }
            for needle in needles {
                #expect(TextSearch.contains(fast, needle) == TextSearch.contains(slow, needle), "\(text.debugDescription) \(needle)")
                #expect(fast.hasPrefix(needle) == slow.hasPrefix(needle), "\(text.debugDescription) \(needle)")
            }
            #expect(LineClassifier.classify(Substring(text)) == LineClassifier.classify(Substring(text), overBytes: false))
        }
    }

    /// The call-to-action phrases found in one pass as by a search for each in turn.
    @Test func callToActionPhrasesInOnePass() {
        var lines: [String] = Self.texts + ["", "s", "sign u", "cookiecookie", "privacy:policy", "don’t miss", "min read!", "…comments…"]
        for phrase in LineClassifier.ctaAnywhere {
            let variants: [String] = [phrase, "x " + phrase, phrase + " y", "a " + phrase + " b", String(phrase.dropLast()),
                                      String(phrase.dropFirst()), "ü" + phrase + "é", phrase.uppercased()]
            lines += variants
        }
        for line in lines {
            let lower = LineClassifier.matchingLowercased(line)
            let expected = LineClassifier.ctaAnywhere.contains { (phrase: String) in TextSearch.contains(lower, phrase) }
            #expect(LineClassifier.containsCallToActionPhrase(lower) == expected, "\(lower.debugDescription)")
        }
    }

    /// The `rel` and `type` checks of the metadata over bytes decide as the string expressions they replaced.
    @Test func linkAndScriptTypesOverBytes() {
        let values = ["canonical", "CANONICAL", "Canonical alternate", "alternate canonical", "alternate  canonical ", " canonical",
                      "canonicals", "noncanonical", "canonical\tx", "canonical\r\n", "canon ical", "", " ", "canonıcal", "cañonical",
                      "alternate Canonical é", "canonical\u{301}", "\u{0600} canonical", "application/ld+json", "APPLICATION/LD+JSON",
                      "application/ld+json; charset=utf-8", "ld+jsonx", "text/javascript", "ld + json", "application/ld+jsoN é",
                      "ld+json\u{301}", "İld+json", "x\r\nld+json"]
        for value in values {
            let bytes = Array(value.utf8)
            let canonical = bytes.withUnsafeBufferPointer(HTMLReader.Metadata.namesCanonical)
            #expect(canonical == value.lowercased().split(separator: " ").contains("canonical"), "\(value.debugDescription)")
            let jsonLD = bytes.withUnsafeBufferPointer(HTMLReader.Metadata.isJSONLDType)
            #expect(jsonLD == value.lowercased().contains("ld+json"), "\(value.debugDescription)")
        }
    }

    @Test func styleHidesOverBytes() {
        for style in ["display: none", "DISPLAY:NONE;color:red", "visibility : hidden", "visibility: visible", "display:block",
                      "color: red; display :none", "", "display:\u{00A0}none"] {
            let bytes = Array(style.utf8)
            let expected = bytes.withUnsafeBufferPointer { MarkupName.asciiLowercased($0) }.filter { $0 != " " }
            let hides = expected.contains("display:none") || expected.contains("visibility:hidden")
            let fast = bytes.withUnsafeBufferPointer { HTMLBlocks.asciiStyleHides($0) }
            if style.utf8.allSatisfy({ $0 < 0x80 }) { #expect(fast == hides, "\(style)") } else { #expect(fast == nil) }
        }
    }

    /// Byte strings around every edge of UTF-8: lead bytes, shortest forms, surrogates, U+10FFFF, cut sequences,
    /// at every offset against the eight-byte ASCII stride.
    static let utf8Samples: [[UInt8]] = {
        var samples: [[UInt8]] = [[], Array("plain ascii text, long enough to stride".utf8), Array("Grüße — 東京 🎉".utf8)]
        let edges: [[UInt8]] = [
            [0x7F], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0x9F, 0x80], [0xE0, 0xA0, 0x80],
            [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x82], [0xF0, 0x9F, 0x8E],
            [0xC3], [0xE2, 0x28, 0xA1], [0xC3, 0x28], [0x01, 0x02, 0x1F, 0x7F, 0x09, 0x0A, 0x0D, 0x20],
        ]
        for edge in edges {
            for pad in 0..<10 {
                samples.append(Array(repeating: 0x61, count: pad) + edge + Array(repeating: 0x62, count: 9 - pad))
                samples.append(Array(repeating: 0x61, count: pad) + edge)
            }
        }
        var (generator, _) = TestRandom.generator("byte samples")
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<40, using: &generator)
            samples.append((0..<count).map { _ in
                Bool.random(using: &generator) ? UInt8.random(in: 0x20...0x7E, using: &generator) : UInt8.random(in: 0...255, using: &generator)
            })
        }
        return samples
    }()

    @Test func utf8ValidationMatchesStandardLibrary() {
        for bytes in Self.utf8Samples {
            let fast = bytes.withUnsafeBufferPointer(TextDecoding.isValidUTF8)
            #expect(fast == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    @Test func visibleAndControlCountsMatchByteByByte() {
        // Lines of text as pages hold them (tabs, line feeds, carriage returns between words), with a control byte, a
        // NUL or 0x7F at each offset of a word.
        let lines = Array("<p>\tGrüße,\r\n  line two\n\t\tend</p>\n".utf8)
        let blanks: [UInt8] = Array(repeating: [0x20, 0x0A, 0x09, 0x0D], count: 20).flatMap { $0 }
        var paged: [[UInt8]] = [Array(repeating: lines, count: 300).flatMap { $0 }, blanks, blanks + [0x0B]]
        for odd: UInt8 in [0x00, 0x01, 0x08, 0x0B, 0x0C, 0x0E, 0x1F, 0x7F] {
            for offset in 0..<33 { paged.append(Array(lines.prefix(offset)) + [odd] + lines + lines) }
        }
        // Every byte value at each place of a vector's sixteen lanes, and in the tail after the last vector.
        for value in 0...255 {
            for offset in [0, 1, 7, 8, 15, 16, 17, 31, 40] { paged.append(Array(repeating: 0x61, count: offset) + [UInt8(value)] + Array("\tab\n".utf8)) }
        }
        for bytes in Self.utf8Samples + paged + [Array(repeating: 0x41, count: 5000) + Array(repeating: 0x01, count: 4099)] {
            var visible = 0
            var control = 0
            for byte in bytes {
                switch byte {
                case 0x09, 0x0A, 0x0D, 0x20, 0x80...0xBF: continue
                case 0x01...0x1F, 0x7F: control += 1
                default: visible += 1
                }
            }
            let counts = bytes.withUnsafeBufferPointer(TextDecoding.countVisibleAndControl)
            #expect(counts.visible == visible && counts.control == control, "\(bytes.prefix(40))")
            // The check that counts only when there is a control byte decides as the counts do.
            var expected: PipelineError?
            if visible == 0 && control == 0 { expected = .empty } else if control * 10 > visible {
                expected = .controlCharacters(count: control, visible: visible)
            }
            #expect(bytes.withUnsafeBufferPointer(TextDecoding.visibleAndControlFailure) == expected, "\(bytes.prefix(40))")
            #expect(bytes.withUnsafeBufferPointer(TextDecoding.containsControl) == (control > 0), "\(bytes.prefix(40))")
            #expect(bytes.withUnsafeBufferPointer(TextDecoding.containsControlByWords) == (control > 0), "\(bytes.prefix(40))")
        }
    }

    @Test func decodeKeepingUTF8DecidesAsDecode() throws {
        for bytes in Self.utf8Samples where !bytes.isEmpty && !bytes.contains(0) {
            let decoded = try? TextDecoding.decode(bytes)
            let kept = try? TextDecoding.decodeKeepingUTF8(bytes)
            switch kept {
            case .utf8(let body)?: #expect(decoded == DecodedText(text: String(decoding: body, as: UTF8.self), encoding: .utf8))
            case .text(let text)?: #expect(decoded == text)
            case nil: #expect(decoded == nil)
            }
        }
    }

    @Test func spaceSeparatedCountMatchesCharacterSplit() {
        let joined = ["a \u{301}b c", "\u{600} x y", "a\u{200D} b", " a  b ", "x \u{200D}", "\u{0915}\u{094D} \u{0915}", "\r\n \n", "e\u{301} é ",
                      "„Zitat“ – und mehr", "😀 🇩🇪 👍🏽 x", "ab\u{0903} \u{0903}", "", " ", "   "]
        for text in Self.texts + joined {
            #expect(TextSearch.spaceSeparatedCount(text) == text.split(separator: " ").count, "\(text.prefix(80).debugDescription)")
        }
    }

    /// `SeenTexts` finds a text again when `Set<String>` does: canonically equivalent texts written with other scalars
    /// (composed and decomposed accents and Hangul, the Ångström and Kelvin signs, reordered marks) count as seen.
    @Test func seenTextsMatchesSetOfStrings() {
        let variants = ["caf\u{E9} au lait", "cafe\u{301} au lait", "\u{212B}ngstr\u{F6}m", "\u{C5}ngstro\u{308}m", "\u{D55C}\u{AE00} x",
                        "\u{1112}\u{1161}\u{11AB}\u{1100}\u{1173}\u{11AF} x", "q\u{307}\u{323} y", "q\u{323}\u{307} y", "\u{212A}elvin",
                        "Kelvin", "a b", "a  b", "a\u{A0}b", "", " ", "ae\u{301} b", "a\u{E9} b"]
        var (generator, seed) = TestRandom.generator()
        for _ in 0..<200 {
            var seen = HTMLReader.SeenTexts()
            var reference = Set<String>()
            for _ in 0..<30 {
                let text = (Self.texts + variants).randomElement(using: &generator)!
                #expect(seen.insert(text) == reference.insert(text).inserted, "seed \(seed): \(text.debugDescription)")
            }
        }
    }

    /// `DateParsing.find` looks for four digits in a row before it reads a line's tokens: it finds what the tokens give.
    @Test func dateFindMatchesTokenScan() {
        var lines = Self.texts + [
            "2024-01-26T11:12:00Z", "Friday, 26 January 2024 11:12 AM EST", "Jan. 26, 2024", "26/01/2024", "26.01.2024",
            "1/2/2024", "26 January 24", "January 26th, 2024", "+2024-01-26", "2024/1/26", "26.1.2024 um 11.12 Uhr",
            "Published 3 March 1999, updated", "Jan 26 202", "Jan 26 ２０２４", "Jan 26 ٢٠٢٤", "26-01-2024", "20240126",
            "Posted Jan. 5, 2201", "Jan 5 1799", "Jan 5, 2 024", "(26/01/2024)", "26|01|2024", "Jan.26.2024", "", "2024",
        ]
        var (generator, seed) = TestRandom.generator()
        let pieces = ["2024", "26", "Jan", "January", ",", " ", "/", ".", "-", "T", "11:12", "AM", "EST", "th", "1", "0", "١", "x"]
        for _ in 0..<3000 {
            lines.append((0..<Int.random(in: 1...9, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for line in lines {
            #expect(DateParsing.find(in: line) == DateParsing.findInTokens(line), "seed \(seed): \(line.debugDescription)")
        }
    }

    /// `Normalizer.latin1Normalized` gives what the Unicode path gives, for every Latin-1 letter in every place, and
    /// for random text of ASCII, Latin-1 letters, separators and a few characters that send it down the Unicode path.
    @Test func latin1NormalizeMatchesUnicodePath() {
        var texts = Self.texts + ["Grüße aus Köln – „Straße“ ÄÖÜ ß × ÷ ÿ", "ÉCOLE élève", "Ä\u{308}", "a\u{308}b", "ſ ﬁ ² ª º µ", "İstanbul"]
        for v in 0xC0...0xFF {
            let letter = String(Unicode.Scalar(UInt8(v)))
            texts += [letter, "A" + letter + "b", " " + letter + ", " + letter + letter.uppercased() + "\u{A0}x", letter + "\u{301}"]
        }
        let pieces = ["a", "Z", "9", " ", ",", "-", "\u{A0}", "\u{2019}", "\u{201C}", "\u{2013}", "ä", "Ö", "ß", "É", "ÿ", "×", "÷",
                      "\u{301}", "\u{130}", "ﬁ", "\u{3A3}"]
        var (generator, seed) = TestRandom.generator()
        for _ in 0..<3000 {
            texts.append((0..<Int.random(in: 1...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in texts {
            if let fast = Normalizer.latin1Normalized(text) {
                #expect(fast == Normalizer.unicodeNormalized(text), "seed \(seed): \(text.debugDescription)")
            }
            if let ascii = Normalizer.asciiNormalized(text) { #expect(Normalizer.latin1Normalized(text) == ascii) }
            #expect(Normalizer.normalize(text) == Normalizer.unicodeNormalized(text), "seed \(seed): \(text.debugDescription)")
        }
        #expect(Normalizer.latin1Normalized("Grüße aus Köln – „Straße“ ÄÖÜ ß × ÷ ÿ") == "grüße aus köln straße äöü ß ÿ")
    }

    /// `letterCount` over the bytes counts the alphabetic scalars the scalar loop counts: every scalar of U+0080–U+00FF
    /// and U+2000–U+203F between letters, and random mixes with scalars that send the text down the scalar loop.
    @Test func letterCountMatchesScalars() {
        func reference(_ text: String) -> Int {
            text.unicodeScalars.filter { $0.isASCII ? ($0.value | 0x20) >= 0x61 && ($0.value | 0x20) <= 0x7A : $0.properties.isAlphabetic }.count
        }
        var texts = Self.texts
        for v in Array(0x80...0xFF) + Array(0x2000...0x203F) {
            let s = String(Unicode.Scalar(UInt32(v))!)
            texts += [s, "a" + s + "b", s + s + " x"]
        }
        let pieces = ["a", "Z", "9", " ", "ä", "ß", "×", "÷", "ª", "µ", "\u{A0}", "\u{2019}", "\u{2014}", "\u{301}", "ﬁ", "\u{3A3}", "ⁱ", "€"]
        var (generator, seed) = TestRandom.generator()
        for _ in 0..<2000 {
            texts.append((0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in texts {
            #expect(TextSearch.letterCount(text) == reference(text), "seed \(seed): \(text.debugDescription)")
        }
    }

    /// A class word longer than every listed word is in no list: what the lists' dictionary says of it too.
    @Test func longClassWordsAreInNoList() {
        let words = ["screen-reader-text", "SCREEN-READER-TEXT", "screen-reader-texts", "article__body-content--wide-layout",
                     "visually-hidden-focusable", "x" + String(repeating: "-share", count: 5), "kelvin-\u{212A}\u{212A}\u{212A}-long-name",
                     "recommendations-widget", String(repeating: "a", count: 17), String(repeating: "a", count: 40)]
        let all = HTMLBlocks.strongNegative.union(HTMLBlocks.weakNegative).union(HTMLBlocks.positive).union(HTMLBlocks.layoutWords)
        for word in words {
            let lowered = Array(word.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            let listed = all.contains(String(decoding: lowered, as: UTF8.self))
            let found = Array(word.utf8).withUnsafeBufferPointer(HTMLBlocks.lists)
            #expect(found.isEmpty == !listed, "\(word)")
        }
    }

    @Test func asciiLowercasedMatchesByteMap() {
        let bytes = (0...255).map(UInt8.init) + Array("<META CHARSET=\"UTF-8\"> Grüße ÄÖÜ".utf8)
        let expected = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        #expect(TextSearch.asciiLowercased(bytes) == expected)
        #expect(TextSearch.asciiLowercased(bytes[3...]) == Array(expected[3...]))
        #expect(TextSearch.asciiLowercased(bytes.lazy.map { $0 }) == expected)
    }
}
