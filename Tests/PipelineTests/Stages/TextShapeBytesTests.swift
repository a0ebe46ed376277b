import Foundation
import Testing

@testable import Pipeline

/// `TextShape` judges lines that are ASCII but for `SafeSeparators` over their bytes: every line test and
/// every verdict must be exactly what the `Character`-level tests give, and news text must take the byte path.
struct TextShapeBytesTests {
    /// Text files of the fixtures and seeds (whatever decodes as UTF-8), news and not.
    static var files: [String] {
        var texts: [String] = []
        var dirs = [Fixtures.url("plain"), Fixtures.url("formats"), Fixtures.url("ctl")]
        dirs.append(DaemonHarness.seedsDirectory)
        for dir in dirs {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names.sorted() {
                guard let data = try? Data(contentsOf: dir.appendingPathComponent(name)),
                    let text = String(data: data, encoding: .utf8), !text.contains("\u{0}") else { continue }
                texts.append(text)
            }
        }
        return texts
    }

    /// Pieces of lines the tests look for — timestamps, severities, code starts, keys, separators, table
    /// rules — and characters that must send a line to the `Character` tests, or that the byte tests must
    /// read as the `Character` tests do (safe separators at the ends, inside keys, at the end of a sentence).
    static let pieces = [
        "2024-01-26", "2024-01-26T11:12:00", "11:12:00", "11:12", "Jan", "jan", "JAN", "Dec", "26", "[", "]", "(", ")", ":", "[]",
        "INFO", "[INFO]", "(ERROR):", "WARN:", "warning", "DEBUG", "[[TRACE]]", "NOTICE", "import", "from", "def", "class", "return",
        "if", "for", "#include", "//", "/*", "*/", "*", "func", "let", "var", "<?php", "@", "console.", "=>", "=", "==", ";", "{", "}",
        "):", ") {", "key", "a_b", "\"quoted key\"", "'k'", "x.y-z", "-", "- ", "---", "...", "#", "%YAML", "|", "||", "|-|", ":-:",
        "\t", "  ", ",", "\",\"", "the", "and", "of", "said", "According", "THE", "to", "was", ".", "!", "?", "'", "\"",
        "\u{00A0}", "\u{2003}", "\u{2009}", "\u{200A}", "\u{2014}", "\u{2013}", "\u{2019}", "\u{201D}", "\u{201C}", "\u{2026}",
        "\u{2022}", "\u{00A9}", "\u{00AB}", "\u{00BB}", "\u{00B7}", "\u{2011}",
        // Not safe: these lines go to the Character tests (and must give the same verdicts there too).
        "\u{301}", "e\u{301}", "\u{3000}", "\u{202F}", "Caf\u{E9}", "\u{212A}", "\u{0130}", "\u{200B}", "\u{FEFF}", "\u{1F600}",
        "\u{0B}", "\u{1F}", "\u{7F}",
    ]

    /// Lines made of random pieces, joined by nothing, spaces or tabs (a fixed generator: the same lines every run).
    static func fuzzLines(count: Int, seed: UInt64) -> [String] {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let joins = ["", " ", " ", "  ", "\t", "\u{00A0}"]
        return (0..<count).map { _ in
            var line = ""
            for _ in 0..<(1 + next(12)) {
                line += pieces[next(pieces.count)]
                line += joins[next(joins.count)]
            }
            return line
        }
    }

    static var lines: [String] {
        var lines = files.flatMap { TextSearch.lines($0).map(String.init) }
        lines += fuzzLines(count: 6000, seed: 42)
        lines += [
            "Jan 26 11:12:00 host sshd[1]: accepted", "[2024-01-26T11:12:00Z] started", "ERROR: disk full", "(INFO) ok",
            "key: value", "key:value", "  spaced key  : v", "\u{00A0}key\u{2003}: v", "k\u{00A0}k: v", "a b c d: too many words",
            String(repeating: "k", count: 40) + ": v", String(repeating: "k", count: 41) + ": v", "name = x", "[section]",
            "| a | b |", "|---|:--:|", "| |", "||", "|\u{2014}|", "He said it was fine, the minister told reporters on Friday.\u{201D}",
            "\u{2022} It is the one, and the other, and the rest of them too\u{2026}", "return x;", "x => y", "print(x)",
        ]
        return lines
    }

    @Test func byteLineTestsMatchCharacterTests() {
        var judged = 0
        for raw in Self.lines {
            var copy = raw
            copy.withUTF8 { bytes in
                let expected = TextSearch.trimmingWhitespace(raw)
                guard let range = TextShape.ShapeLines.trimmedSafeRange(bytes, 0, bytes.count) else { return }
                let line = UnsafeBufferPointer(rebasing: bytes[range])
                #expect(String(decoding: line, as: UTF8.self) == expected, "trim \(raw.debugDescription)")
                guard !expected.isEmpty else { return }
                judged += 1
                let text = expected.debugDescription
                #expect(ByteLine.isLogLine(line) == TextShape.isLogLine(expected), "log \(text)")
                #expect(ByteLine.isProse(line) == LineClassifier.isProse(expected, words: TextSearch.words(expected)), "prose \(text)")
                #expect(ByteLine.isCodeLine(line) == TextShape.isCodeLine(expected), "code \(text)")
                #expect(ByteLine.isKeyValueLine(line) == TextShape.isKeyValueLine(expected), "key-value \(text)")
                #expect(ByteLine.isSection(line) == TextShape.isSection(expected), "section \(text)")
                #expect(ByteLine.isMarkdownRow(line) == TextShape.isMarkdownRow(expected), "markdown row \(text)")
                #expect(ByteLine.isMarkdownRule(line) == TextShape.isMarkdownRule(expected), "markdown rule \(text)")
            }
        }
        // Most lines must really have been judged over their bytes, or this compares nothing.
        #expect(judged > 3000)
    }

    /// Files of fuzz lines in runs, so that every verdict (log, table, code, YAML, INI, prose) comes up.
    static var fuzzFiles: [String] {
        let lines = fuzzLines(count: 4000, seed: 7)
        var files: [String] = []
        var start = 0
        var size = 1
        while start < lines.count {
            let end = min(lines.count, start + size)
            files.append(lines[start..<end].joined(separator: size % 3 == 0 ? "\r\n" : "\n"))
            start = end
            size = size % 40 + 1
        }
        return files
    }

    @Test func verdictsMatchCharacterTests() {
        var kinds = Set<String>()
        let shaped = [
            "2024-01-26 11:12:00 INFO start\n2024-01-26 11:12:01 WARN slow\nJan 26 11:12:02 host x\n[ERROR] failed\n",
            "a,b,c\n1,2,3\n4,5,6\n\"x,y\",7,8\n", "a\tb\n1\t2\n3\t4\n", "| a | b |\n|---|---|\n| 1 | 2 |\n",
            "import os\n\ndef main():\n    print(1)\n    return 2\n\nclass A:\n    pass\n",
            "---\nname: corpus\nitems:\n  - one\n  - two\nkey: value\n", "[main]\nport = 1\nhost = x\n; comment\n",
            "<?xml version=\"1.0\"?>\n<catalog><item/></catalog>\n", "#!/bin/sh\necho hi\nexit 0\n",
            "key\u{00A0}: v\n\u{2003}other: w\nthird: x\n", "Title\n\nIt was said by the minister that the plan is on track for the year.\n"
                + "And the council said it would review the plan in the spring, officials told reporters.\n",
        ]
        for text in Self.files + Self.fuzzFiles + shaped {
            for truncated in [false, true] {
                let fast = TextShape.unsupportedKind(text, truncated: truncated, overBytes: true)
                let slow = TextShape.unsupportedKind(text, truncated: truncated, overBytes: false)
                #expect(fast == slow, "\(text.prefix(120).debugDescription) truncated: \(truncated)")
                if let fast { kinds.insert(String(fast.prefix(12))) }
            }
        }
        // The comparison covered the verdicts, not only "news".
        #expect(kinds.count >= 7, "\(kinds.sorted())")
    }

    @Test func newsLinesTakeTheBytePath() throws {
        let seeds = DaemonHarness.seedsDirectory
        let news = try ASCIITextFastPathTests.newsFiles + FileManager.default.contentsOfDirectory(atPath: seeds.path).sorted().map {
            try String(contentsOf: seeds.appendingPathComponent($0), encoding: .utf8)
        }
        #expect(news.count >= 2)
        for text in news {
            var copy = text
            let (lines, overBytes) = copy.withUTF8 { bytes in
                let shaped = TextShape.ShapeLines(bytes, overBytes: true, dropLast: false)
                return (shaped.count, shaped.texts.count(where: { $0 == nil }))
            }
            // All but a line or two (a © line may hold a character outside the safe set).
            #expect(lines >= 5 && overBytes >= lines - 2, "\(overBytes) of \(lines) lines over bytes: \(text.prefix(60).debugDescription)")
        }
    }
}

/// A file's head is sniffed once: the pipeline takes the verdict the intake made, but only for the very
/// bytes and name it was made on.
struct FormatVerdictReuseTests {
    private func outcome(_ extraction: Extraction) -> String {
        switch extraction {
        case .article(.success(let article)): return "article \(article.article.title) \(article.bodyHash)"
        case .article(.failure(let error)): return "failed \(error.description)"
        case .entries(let entries): return "entries \(entries.count)"
        }
    }

    @Test func aVerdictOnTheSameHeadGivesWhatDetectionGives() throws {
        var files: [SourceFile] = []
        for sub in ["plain", "formats"] {
            let dir = Fixtures.url(sub)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where !name.hasSuffix(".expected.json") {
                files.append(SourceFile(name: name, bytes: try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))))
            }
        }
        #expect(files.count >= 20)
        let pipeline = ArticlePipeline()
        for file in files {
            let verdict = FormatDetection.Verdict(name: file.name, head: Array(file.bytes.prefix(FormatDetection.headSize)))
            #expect(outcome(pipeline.extract(file, sniffed: verdict)) == outcome(pipeline.extract(file)), "\(file.name)")
        }
    }

    @Test func aStaleVerdictIsNotUsed() throws {
        let story = "Harbour road closed\n\nThe harbour road was closed on Friday after a storm damaged the sea wall, the council said.\n"
        let file = SourceFile(name: "road.txt", bytes: Array(story.utf8))
        let pipeline = ArticlePipeline()
        let expected = outcome(pipeline.extract(file))
        #expect(expected.hasPrefix("article"))
        // Made on other bytes (the file was rewritten between the two reads) or another name: detected afresh.
        let stale = FormatDetection.Verdict(name: "road.txt", head: Array("a,b,c\n1,2,3\n4,5,6\n".utf8))
        #expect(stale.result.isFailure)
        #expect(outcome(pipeline.extract(file, sniffed: stale)) == expected)
        let renamed = FormatDetection.Verdict(name: "road.png", head: Array(file.bytes))
        #expect(outcome(pipeline.extract(file, sniffed: renamed)) == expected)
        // The same bytes and name: the verdict is used (a failed one too).
        let failed = FormatDetection.Verdict(name: "table.csv", head: Array("a,b,c\n1,2,3\n4,5,6\n".utf8))
        let table = SourceFile(name: "table.csv", bytes: Array("a,b,c\n1,2,3\n4,5,6\n".utf8))
        #expect(outcome(pipeline.extract(table, sniffed: failed)) == outcome(pipeline.extract(table)))
        #expect(failed.reused(name: "table.csv", head: table.bytes[...]) != nil)
        #expect(stale.reused(name: "road.txt", head: file.bytes[...]) == nil)
    }
}

extension Result {
    var isFailure: Bool { !isSuccess }
}

/// The line classifier counts words over the bytes for lines that are ASCII but for the safe separators.
struct LineClassifierBytesTests {
    @Test func countingOverBytesClassifiesAsSplitting() {
        var lines = TextShapeBytesTests.lines + JSONEntryFastPathTests.texts.flatMap { TextSearch.lines($0).map(String.init) }
        lines += ["THE END", "BREAKING NEWS NOW", "US\u{2014}UK", "A B", "\u{2022} THE", "ok", "OK OK OK OK", "NEWS \u{00A0} TODAY"]
        var prose = 0
        for line in lines {
            let kind = LineClassifier.classify(line[...])
            #expect(kind == LineClassifier.classify(line[...], overBytes: false), "\(line.prefix(100).debugDescription)")
            if kind == .prose { prose += 1 }
        }
        #expect(prose > 50)
    }

    @Test func captionScanFindsWhatTheMarkerSearchesFind() {
        var lines = TextShapeBytesTests.lines + LineClassifier.captionMarkers.flatMap { ["x " + $0, $0, String($0.dropLast()), $0 + " y"] }
        lines += ["A Photo: AP", "(Photo by Jane/Reuters)", "Image credit Getty", "Pho", "/AF", "via Getty Images", "\u{E9}(AP Photo/X)"]
        var captions = 0
        for line in lines {
            let expected = LineClassifier.captionMarkers.contains { TextSearch.contains(line, $0) }
            #expect(LineClassifier.isCaption(line) == expected, "\(line.prefix(100).debugDescription)")
            if expected { captions += 1 }
        }
        #expect(captions > 40)
    }

    @Test func wordCountCountsTheSplit() {
        for text in TextShapeBytesTests.lines + ["", " ", "a  b", " a b ", "caf\u{E9} au lait", "x\u{301} y"] {
            #expect(Normalizer.wordCount(text) == text.split(separator: " ").count, "\(text.prefix(80).debugDescription)")
            let normalized = Normalizer.normalize(text)
            #expect(Normalizer.wordCount(normalized) == normalized.split(separator: " ").count)
        }
    }
}
