import Foundation
import Testing

@testable import Pipeline

/// The byte-level short cuts of the JSON entry path give exactly what the Foundation and `Character` calls
/// they stand for give.
struct JSONEntryFastPathTests {
    static let texts: [String] = LineAndWordSplitTests.texts + TextShapeBytesTests.fuzzLines(count: 3000, seed: 11) + [
        "<p>One</p><p>Two</p>", "<P class=x>Upper</P>", "< p>not a tag", "a < b and b > c", "x <br/> y", "<!-- note --> text",
        "<i>it</i>", "<img src=x>", "<\u{301}p>marked", "\u{2014}<p>after a dash", "\u{E9}<p>after a letter", "&amp; only",
        "&#39; only", "& amp;", "AT&T", "<blockquote>q", "<BLOCKQUOTE>", "<figure>", "<span", "<a href=x>", "<a", "<em>", "<strong>",
        "<h2>", "<h4>", "<li>", "<ul>", "<b>x</b>", "<bx>", "<div", "no markup at all", "", "<", "&", "&#", "\u{00A0}<p>",
        "   \n\t padded \r\n", "\u{00A0}no-break ends\u{00A0}", "\u{3000}ideographic\u{3000}", "\u{85}next line\u{85}",
        "\u{200B}zero width\u{200B}", "\u{FEFF}bom", "e\u{301}", " \u{301}mark after space", "\u{1C}\u{1D}\u{1E}\u{1F}unit separators\u{1F}",
        "\u{0B}\u{0C}vt ff\u{0B}", "x", " ", "\t", "\r\n", "Body… [+2319 chars]", "Body [+12 chars]  \n", "Body chars] no marker",
        "Body [+12 chars] and more", "Body …\u{00A0}[+5 chars]\u{2003}",
    ]

    @Test func looksLikeMarkupOverBytesMatches() {
        var fast = 0
        for text in Self.texts {
            var copy = text
            guard let verdict = copy.withUTF8(Markup.asciiLooksLikeMarkup) else { continue }
            fast += 1
            #expect(verdict == Markup.unicodeLooksLikeMarkup(text), "\(text.prefix(80).debugDescription)")
        }
        #expect(fast > 1000)
        var copy = "caf\u{E9} <p>"
        #expect(copy.withUTF8(Markup.asciiLooksLikeMarkup) == nil)
    }

    @Test func trimmingMatchesFoundation() {
        // Every ASCII character alone, and between others, at either end.
        var samples = Self.texts
        for v in 0..<0x80 {
            let c = String(UnicodeScalar(UInt8(v)))
            samples += [c, c + "x" + c, " " + c + "x", "x" + c + "\n", c + "\u{00A0}", "\u{2003}" + c]
        }
        for text in samples {
            #expect(ArticleFields.trimmingWhitespaceAndNewlines(text) == text.trimmingCharacters(in: .whitespacesAndNewlines),
                    "\(text.prefix(80).debugDescription)")
        }
    }

    @Test func paragraphsMatchTheCharacterSplit() {
        for text in Self.texts + ["one\n\ntwo\r\n\r\nthree\u{2028}four\u{85}five\n\u{301}six", "a\n\n\n", "\n\n"] {
            let expected: [String]
            if Markup.looksLikeMarkup(text) {
                expected = Markup.fragmentParagraphs(text)
            } else {
                expected = text.split(whereSeparator: \.isNewline).map { Markup.collapse(String($0)) }.filter { !$0.isEmpty }
            }
            #expect(ArticleFields.paragraphs(text) == expected, "\(text.prefix(80).debugDescription)")
        }
    }

    @Test func theCutMarkerIsStillRemoved() throws {
        for (body, kept) in [("Port expansion approved, the council said… [+2319 chars]", "Port expansion approved, the council said"),
                             ("Port expansion approved, the council said [+12 chars]  ", "Port expansion approved, the council said"),
                             ("Port expansion approved, with chars] in it and no marker.", "Port expansion approved, with chars] in it and no marker.")] {
            var fields = ArticleFields([:], relativeTo: nil)
            fields.title = "Port"
            fields.body = body
            let article = try fields.article()
            #expect(article.paragraphs == [kept], "\(body)")
        }
    }
}

/// The copyright holder read with the short cuts is what the Foundation calls gave.
struct CopyrightHolderTests {
    /// `holder(ofCopyright:)` as it was, all through Foundation: the oracle.
    private func reference(_ line: String) -> String? {
        var text = line
        for marker in ["©", "(c)", "(C)", "Copyright", "copyright"] {
            text = text.replacingOccurrences(of: marker, with: " ")
        }
        if let range = text.range(of: "all rights reserved", options: .caseInsensitive) {
            text = String(text[..<range.lowerBound])
        }
        let words = text.split(separator: " ").filter { word in
            !(word.allSatisfy { $0.isNumber || $0 == "-" || $0 == "–" || $0 == "," })
        }
        var name = words.joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)
        while let last = name.last, last == "." || last == "," || last == ";" || last == "|" { name.removeLast() }
        name = name.trimmingCharacters(in: .whitespaces)
        return name.isEmpty || name.count > 80 ? nil : name
    }

    @Test func byteReplaceMatchesFoundationOnSafeText() {
        for text in TextShapeBytesTests.fuzzLines(count: 1000, seed: 9) + ["(c)(c)", "aaa", "(c(c))", "©©©", ""] {
            for marker in ["©", "(c)", "Copyright", "a", "aa"] {
                var copy = text
                guard copy.withUTF8({ ByteLine.isSafe($0) }) else { continue }
                #expect(TextSearch.replacingAll(marker, in: text, with: " ") == text.replacingOccurrences(of: marker, with: " "),
                        "\(text.debugDescription) − \(marker)")
            }
        }
    }

    @Test func holderMatchesTheFoundationReading() {
        var lines = [
            "© 2026 Newsmax. All rights reserved.", "(c) 2024 The Daily Ledger", "Copyright 2019-2024 Metro Herald, all rights reserved",
            "copyright © 2020 Example Media Ltd.", "© 2024 Caf\u{E9} Press.", "\u{00A9}\u{301} 2024 Marked", "(C) 2023 \u{2014} Wire \u{00A0} Co. |",
            "© 2024 " + String(repeating: "Long Name ", count: 10), "© 2025", "All Rights Reserved", "Copyrights 2024 Odd\tTabs\u{3000}",
            "© 2024 Ｆｕｌｌ Width", "© 2024 e\u{301}dition", "©2024 Newsmax Media, Inc. All rights reserved.",
        ]
        lines += TextShapeBytesTests.fuzzLines(count: 2000, seed: 5).map { "© 2024 " + $0 }
        lines += ["(c)(c) Twice (C)", "Copyrightcopyright ©© Press", "(C)opyright 2024 X", "©\u{2014}(c)\u{2014}Copyright \u{201C}Q\u{201D} Ltd."]
        for line in lines {
            #expect(PlainTextParser.holder(ofCopyright: line) == reference(line), "\(line.debugDescription)")
        }
    }
}
