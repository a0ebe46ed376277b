import Foundation

/// Text in a shape corpusd does not read: a table, a configuration file, source code, a log, XML that is
/// neither a feed nor a page. Such files would otherwise fall to the plain-text parser and fail with "no
/// article found"; they are named instead, so the failure says what the file looked like.
///
/// The judgement is by content over the first lines of the file, and only ever says "not news" when
/// nearly every line has the shape and the file has almost no running prose: a story with a `Tags:` line,
/// a comma-heavy paragraph or a Markdown heading is still plain text.
public enum TextShape {
    /// What `head` (the start of a text file) looks like when it is a text format we do not read; nil
    /// when it may be plain-text news. `truncated`: the file goes on after `head`.
    public static func unsupportedKind(_ head: String, truncated: Bool) -> String? {
        unsupportedKind(head, truncated: truncated, overBytes: true)
    }

    /// `overBytes`: lines that are ASCII but for `SafeSeparators` are judged over their bytes (each such
    /// character is a grapheme cluster of its own, so every test below gives what its `Character` form
    /// gives); other lines, and every line when false, by the `Character`-level tests.
    static func unsupportedKind(_ head: String, truncated: Bool, overBytes: Bool) -> String? {
        var text = head
        // The head may stop in the middle of a line. (`hasSuffix` by Character: a CR LF is no "\n".)
        let dropLast = truncated && !head.hasSuffix("\n")
        return text.withUTF8 { bytes in
            ShapeLines(bytes, overBytes: overBytes, dropLast: dropLast).verdict()
        }
    }

    /// The non-empty lines of a head, trimmed as `TextSearch.trimmingWhitespace` trims them: each a byte
    /// range when it is ASCII but for `SafeSeparators`, else its text for the `Character`-level tests.
    struct ShapeLines {
        let bytes: UnsafeBufferPointer<UInt8>
        var ranges: [Range<Int>] = []
        /// The trimmed text of lines the byte tests do not take; nil for those they take.
        var texts: [String?] = []

        init(_ bytes: UnsafeBufferPointer<UInt8>, overBytes: Bool, dropLast: Bool) {
            self.bytes = bytes
            var bounds = TextSearch.lineBounds(bytes)
            if dropLast, bounds.count > 1 { bounds.removeLast() }
            for (start, end) in bounds {
                if overBytes, let trimmed = Self.trimmedSafeRange(bytes, start, end) {
                    if !trimmed.isEmpty {
                        ranges.append(trimmed)
                        texts.append(nil)
                    }
                } else {
                    let line = TextSearch.trimmingWhitespace(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                    if !line.isEmpty {
                        ranges.append(start..<end)
                        texts.append(line)
                    }
                }
            }
        }

        /// The line without leading and trailing tabs, spaces and the space separators among
        /// `SafeSeparators` (U+00A0, U+2000…U+200A); nil when the line holds another non-ASCII character.
        static func trimmedSafeRange(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int>? {
            var i = start
            var firstKept = -1
            var lastKeptEnd = start
            while i < end {
                let b = bytes[i]
                var length = 1
                var space = false
                if b < 0x80 {
                    space = b == 0x20 || b == 0x09
                } else {
                    // A safe separator never runs past the line: line breaks are not among them.
                    guard let n = SafeSeparators.length(at: i, in: bytes), i + n <= end else { return nil }
                    length = n
                    space = (b == 0xC2 && bytes[i + 1] == 0xA0) || (b == 0xE2 && bytes[i + 2] <= 0x8A)
                }
                if !space {
                    if firstKept < 0 { firstKept = i }
                    lastKeptEnd = i + length
                }
                i += length
            }
            return firstKept < 0 ? start..<start : firstKept..<lastKeptEnd
        }

        var count: Int { ranges.count }

        func line(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[ranges[i]]) }

        /// The line as a `String` (made for the byte lines only where a test needs text).
        func string(_ i: Int) -> String { texts[i] ?? String(decoding: line(i), as: UTF8.self) }

        func test(_ i: Int, _ fast: (UnsafeBufferPointer<UInt8>) -> Bool, _ slow: (String) -> Bool) -> Bool {
            if let text = texts[i] { return slow(text) }
            return fast(line(i))
        }

        func verdict() -> String? {
            guard count > 0 else { return nil }
            let first = string(0)
            if first.hasPrefix("<") { return markupKind((0..<count).map(string).joined(separator: "\n")) }
            if first.hasPrefix("#!/") { return "script (\(first.prefix(40)))" }
            guard count >= 3 else { return nil }
            let sample = 0..<min(count, 200)
            let n = Double(sample.count)
            func share(_ test: (Int) -> Bool) -> Double { Double(sample.count(where: test)) / n }

            let log = sample.map { test($0, ByteLine.isLogLine, isLogLine) }
            // Running prose decides for news: a few sentence-bearing lines among the rest are enough.
            let prose = sample.count(where: { i in
                !log[i] && test(i, ByteLine.isProse, { LineClassifier.isProse($0, words: TextSearch.words($0)) })
            })
            if share({ log[$0] }) >= 0.8 { return "log file" }
            if let table = tableKind(sample) { return table }
            if prose >= 2 && Double(prose) >= n * 0.15 { return nil }
            if share({ test($0, ByteLine.isCodeLine, isCodeLine) }) >= 0.6 && sample.count >= 5 { return "source code" }
            let keyValue = sample.map { test($0, ByteLine.isKeyValueLine, isKeyValueLine) }
            if share({ keyValue[$0] }) >= 0.85 {
                if sample.contains(where: { test($0, ByteLine.isSection, isSection) })
                    || sample.allSatisfy({ !test($0, { $0.contains(UInt8(ascii: ":")) }, { $0.contains(":") }) })
                {
                    return "configuration file (INI)"
                }
                return "YAML"
            }
            if first == "---" || first.hasPrefix("%YAML") {
                if share({ keyValue[$0] }) >= 0.6 { return "YAML" }
            }
            return nil
        }

        /// CSV, TSV, semicolon- or pipe-separated rows, or a Markdown table: every line cut into the same
        /// number of fields (at least two) by one separator.
        func tableKind(_ sample: Range<Int>) -> String? {
            let markdownRows = sample.count(where: { test($0, ByteLine.isMarkdownRow, isMarkdownRow) })
            let hasRule = sample.contains(where: { test($0, ByteLine.isMarkdownRule, isMarkdownRule) })
            if hasRule && markdownRows * 10 >= sample.count * 6 { return "Markdown table" }
            // Separators are counted over the UTF-8 bytes, for every line.
            let counts = sample.map { separatorCounts(in: UnsafeBufferPointer(rebasing: bytes[ranges[$0]]), trimmed: texts[$0]) }
            for (k, (separator, name)) in tableSeparators.enumerated() {
                guard let header = counts.first?[k], header >= 1 else { continue }
                // Prose may hold commas, but not the same number on every line.
                let same = counts.count(where: { $0[k] == header })
                let needed = separator == UInt8(ascii: "\t") ? 1 : 2
                if header >= needed && same * 10 >= counts.count * 9 { return name }
            }
            return nil
        }

        /// The separators of `tableSeparators` outside double quotes, in one pass; over the trimmed text's
        /// bytes for a line kept as text.
        private func separatorCounts(in line: UnsafeBufferPointer<UInt8>, trimmed: String?) -> [Int] {
            if let trimmed { return tableSeparators.map { TextShape.separators(in: trimmed, $0.0) } }
            var counts = [0, 0, 0, 0]
            var quoted = false
            for byte in line {
                switch byte {
                case UInt8(ascii: "\""): quoted.toggle()
                case UInt8(ascii: "\t") where !quoted: counts[0] += 1
                case UInt8(ascii: ",") where !quoted: counts[1] += 1
                case UInt8(ascii: ";") where !quoted: counts[2] += 1
                case UInt8(ascii: "|") where !quoted: counts[3] += 1
                default: break
                }
            }
            return counts
        }
    }

    private static let tableSeparators: [(UInt8, String)] = [
        (UInt8(ascii: "\t"), "TSV (tab-separated table)"), (UInt8(ascii: ","), "CSV (comma-separated table)"),
        (UInt8(ascii: ";"), "semicolon-separated table"), (UInt8(ascii: "|"), "pipe-separated table"),
    ]

    // MARK: - Tables

    static func isMarkdownRow(_ line: String) -> Bool {
        line.hasPrefix("|") && line.hasSuffix("|") && line.count > 2
    }

    static func isMarkdownRule(_ line: String) -> Bool {
        line.contains("-") && line.contains("|") && line.allSatisfy { $0 == "|" || $0 == "-" || $0 == ":" || $0 == " " }
    }

    /// Separators outside double quotes.
    static func separators(in line: String, _ separator: UInt8) -> Int {
        var quoted = false
        var count = 0
        for byte in line.utf8 {
            if byte == UInt8(ascii: "\"") { quoted.toggle() } else if byte == separator && !quoted { count += 1 }
        }
        return count
    }

    // MARK: - Logs

    static let severities = ["INFO", "ERROR", "WARN", "WARNING", "DEBUG", "TRACE", "FATAL", "CRITICAL", "NOTICE"]
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// A line that starts with a timestamp (`2024-01-26 11:12:00`, `[2024-01-26T…`, syslog's `Jan 26 11:12:00`)
    /// or a severity (`INFO`, `ERROR` …).
    static func isLogLine(_ line: String) -> Bool {
        var text = Substring(line)
        if text.first == "[" { text = text.dropFirst() }
        let bytes = Array(text.utf8.prefix(20))
        if ByteLine.startsWithTimestamp(bytes) { return true }
        // Jan 26 11:12:00
        let lower = String(decoding: bytes, as: UTF8.self).lowercased()
        if months.contains(where: { lower.hasPrefix($0 + " ") }), ByteLine.syslogTime(bytes) { return true }
        // 11:12:00 at the start, or a severity word among the first tokens.
        if ByteLine.startsWithTime(bytes) { return true }
        let firstTokens = line.split(separator: " ", maxSplits: 3).prefix(3)
        return firstTokens.contains { token in
            let t = token.trimmingCharacters(in: CharacterSet(charactersIn: "[]():"))
            return severities.contains(t)
        }
    }

    // MARK: - Code and configuration

    static let codeStarts = [
        "import ", "from ", "def ", "class ", "return", "if (", "if ", "for (", "for ", "while ", "#include", "#define", "#import",
        "func ", "let ", "var ", "const ", "fn ", "pub ", "package ", "using ", "namespace ", "public ", "private ",
        "protected ", "static ", "<?php", "//", "/*", "*/", "* ", "elif ", "else", "try", "catch", "except", "switch ",
        "case ", "struct ", "enum ", "interface ", "export ", "module ", "require(", "print(", "console.", "@",
    ]

    /// Prefixes that make a code-start line code without a bracket or `=` in it.
    static let codeBarePrefixes = ["import ", "#", "//", "*", "/*", "package ", "using "]

    static func isCodeLine(_ line: String) -> Bool {
        if let last = line.last, ";{}".contains(last) { return true }
        if line == ")" || line.hasSuffix("):") || line.hasSuffix(") {") || line.hasSuffix("=>") { return true }
        return codeStarts.contains { line.hasPrefix($0) } && (line.contains("(") || line.contains("=") || line.contains("{")
            || line.hasSuffix(":") || codeBarePrefixes.contains { line.hasPrefix($0) })
    }

    /// `key: value`, `key:`, `- item`, `key = value`, `[section]`, `# comment`: the lines of YAML and INI files.
    static func isKeyValueLine(_ line: String) -> Bool {
        if line.hasPrefix("#") || line.hasPrefix(";") { return true }
        if line.hasPrefix("- ") || line == "-" || line == "---" || line == "..." { return true }
        if isSection(line) { return true }
        for separator in [":", "="] {
            guard let range = line.range(of: separator) else { continue }
            let key = line[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let rest = line[range.upperBound...]
            let keyish = !key.isEmpty && key.count <= 40 && key.allSatisfy { $0.isLetter || $0.isNumber || "_-. \"'".contains($0) }
                && key.split(separator: " ").count <= 3
            if keyish && (rest.isEmpty || rest.first == " " || separator == "=") { return true }
        }
        return false
    }

    static func isSection(_ line: String) -> Bool { line.hasPrefix("[") && line.hasSuffix("]") }

    // MARK: - Markup

    /// Text that starts with `<` and is neither HTML nor a feed (the caller has ruled those out): XML.
    private static func markupKind(_ text: String) -> String? {
        guard let root = rootElement(text) else { return nil }
        return "XML (root element <\(root)>), not an RSS or Atom feed or an HTML page"
    }

    /// The name of the first element that is not a declaration, comment or processing instruction.
    static func rootElement(_ text: String) -> String? {
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            if after.hasPrefix("?") || after.hasPrefix("!") {
                guard let close = after.firstIndex(of: ">") else { return nil }
                rest = after[after.index(after: close)...]
                continue
            }
            let name = after.prefix { $0.isLetter || $0.isNumber || $0 == ":" || $0 == "-" || $0 == "_" || $0 == "." }
            guard let first = name.first, first.isLetter else { return nil }
            // Declared XML, namespaced XML, or a document that closes its root: not a page fragment in a text file.
            let closed = text.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</\(name)>")
            guard text.hasPrefix("<?xml") || text.contains("xmlns") || closed else { return nil }
            return String(name)
        }
        return nil
    }
}

/// `TextShape`'s line tests over the bytes of a trimmed, non-empty line that is ASCII but for
/// `SafeSeparators`. In such a line every ASCII byte is a `Character` of its own and every other character
/// is one safe separator, none of them a letter, digit or combining mark: a match of ASCII bytes is a match
/// of `Character`s, and a non-ASCII byte fails every test that wants a letter, digit or ASCII punctuation.
enum ByteLine {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always)
    static func starts(_ line: Bytes, with prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard line.count >= count else { return false }
        let p = prefix.utf8Start
        for i in 0..<count where line[i] != p[i] { return false }
        return true
    }

    @inline(__always)
    static func ends(_ line: Bytes, with suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard line.count >= count else { return false }
        let p = suffix.utf8Start
        let offset = line.count - count
        for i in 0..<count where line[offset + i] != p[i] { return false }
        return true
    }

    @inline(__always)
    static func equals(_ line: Bytes, _ text: StaticString) -> Bool {
        line.count == text.utf8CodeUnitCount && starts(line, with: text)
    }

    static func starts(_ line: Bytes, with prefix: [UInt8]) -> Bool {
        line.count >= prefix.count && prefix.indices.allSatisfy { line[$0] == prefix[$0] }
    }

    @inline(__always)
    static func isSpaceOrTab(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// The text is ASCII but for `SafeSeparators`.
    static func isSafe(_ text: Bytes) -> Bool {
        var i = 0
        while i < text.count {
            if text[i] < 0x80 {
                i += 1
            } else {
                guard let n = SafeSeparators.length(at: i, in: text) else { return false }
                i += n
            }
        }
        return true
    }

    // MARK: Prose

    /// `LineClassifier.isProse(line, words: TextSearch.words(line))`.
    static func isProse(_ line: Bytes) -> Bool {
        guard let counts = wordCounts(line) else { return false }
        return LineClassifier.isProse(wordCount: counts.words, stopWords: counts.stop, endsSentence: endsSentence(line))
    }

    /// How many words `TextSearch.words` finds in the line and how many of them are `Stopwords.english`,
    /// for a line that is ASCII but for `SafeSeparators`; nil for any other line. `latinLetters`: also for a line
    /// that holds letters of U+00A1–U+024F (Latin-1 and Latin Extended: German, French, Polish … text), which
    /// `TextSearch.words` splits over its bytes the same way (none of them is white space, and a word holding
    /// one is no stop word).
    static func wordCounts(_ line: Bytes, latinLetters: Bool = false) -> (words: Int, stop: Int)? {
        var words = 0
        var stop = 0
        var start = -1
        var i = 0
        while i < line.count {
            let b = line[i]
            var length = 1
            var space: Bool
            if b < 0x80 {
                space = b == 0x20 || (b >= 0x09 && b <= 0x0D)
            } else if let n = SafeSeparators.length(at: i, in: line) {
                length = n
                // U+00A0 and U+2000…U+200A are white space; the other safe separators are not.
                space = (b == 0xC2 && line[i + 1] == 0xA0) || (b == 0xE2 && line[i + 2] <= 0x8A)
            } else if latinLetters, i + 1 < line.count, (b == 0xC2 && line[i + 1] >= 0xA1) || (b >= 0xC3 && b <= 0xC8)
                || (b == 0xC9 && line[i + 1] <= 0x8F)
            {
                length = 2  // U+00A1…U+024F
                space = false
            } else {
                return nil
            }
            if space {
                if start >= 0 {
                    words += 1
                    if Stopwords.isEnglish(UnsafeBufferPointer(rebasing: line[start..<i])) { stop += 1 }
                    start = -1
                }
            } else if start < 0 {
                start = i
            }
            i += length
        }
        if start >= 0 {
            words += 1
            if Stopwords.isEnglish(UnsafeBufferPointer(rebasing: line[start...])) { stop += 1 }
        }
        return (words, stop)
    }

    /// The last character is one of `LineClassifier.sentenceEnds` (. ! ? " ' : ) ” ’ … “ ‘ « »).
    static func endsSentence(_ line: Bytes) -> Bool {
        guard let last = line.last else { return false }
        switch last {
        case UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ":"), UInt8(ascii: ")"):
            return true
        case 0x9D, 0x99, 0xA6, 0x9C, 0x98:
            // ” U+201D, ’ U+2019, … U+2026, “ U+201C, ‘ U+2018: E2 80 9D / 99 / A6 / 9C / 98.
            let n = line.count
            return n >= 3 && line[n - 3] == 0xE2 && line[n - 2] == 0x80
        case 0xAB, 0xBB:
            // « U+00AB, » U+00BB: C2 AB / BB.
            let n = line.count
            return n >= 2 && line[n - 2] == 0xC2
        default:
            return false
        }
    }

    // MARK: Logs

    @inline(__always)
    private static func digit(_ bytes: some RandomAccessCollection<UInt8>, _ i: Int) -> Bool {
        guard i < bytes.count else { return false }
        let b = bytes[bytes.index(bytes.startIndex, offsetBy: i)]
        return b >= 0x30 && b <= 0x39
    }

    @inline(__always)
    private static func byte(_ bytes: some RandomAccessCollection<UInt8>, _ i: Int, _ c: UInt8) -> Bool {
        i < bytes.count && bytes[bytes.index(bytes.startIndex, offsetBy: i)] == c
    }

    /// `2024-01-26[ T]11:12` at the start.
    static func startsWithTimestamp(_ b: some RandomAccessCollection<UInt8>) -> Bool {
        (0..<4).allSatisfy { digit(b, $0) } && byte(b, 4, 0x2D) && digit(b, 5) && digit(b, 6) && byte(b, 7, 0x2D) && digit(b, 8)
            && digit(b, 9) && (byte(b, 10, 0x20) || byte(b, 10, 0x54)) && digit(b, 11) && digit(b, 12) && byte(b, 13, 0x3A)
    }

    /// After `Jan 26`: ` 11:12:00` (at least 15 bytes, colons at 9 and 12).
    static func syslogTime(_ b: some RandomAccessCollection<UInt8>) -> Bool {
        b.count >= 15 && byte(b, 9, 0x3A) && byte(b, 12, 0x3A)
    }

    /// `11:12:00` at the start.
    static func startsWithTime(_ b: some RandomAccessCollection<UInt8>) -> Bool {
        digit(b, 0) && digit(b, 1) && byte(b, 2, 0x3A) && digit(b, 3) && digit(b, 4) && byte(b, 5, 0x3A)
    }

    private static let monthKeys: [[UInt8]] = TextShape.months.map { Array($0.utf8) + [0x20] }
    private static let severityKeys: [[UInt8]] = TextShape.severities.map { Array($0.utf8) }

    /// `TextShape.isLogLine`.
    static func isLogLine(_ line: Bytes) -> Bool {
        var text = line[...]
        if text.first == UInt8(ascii: "[") { text = text.dropFirst() }
        let head = text.prefix(20)
        if startsWithTimestamp(head) { return true }
        if head.count >= 4 {
            let lower = head.prefix(4).map { $0.asciiLowercased }
            if monthKeys.contains(lower), syslogTime(head) { return true }
        }
        if startsWithTime(head) { return true }
        // The first three runs of bytes between spaces, "[]():" trimmed off both ends, against the severities.
        var tokens = 0
        var i = 0
        while i < line.count && tokens < 3 {
            while i < line.count && line[i] == 0x20 { i += 1 }
            guard i < line.count else { break }
            var start = i
            while i < line.count && line[i] != 0x20 { i += 1 }
            tokens += 1
            var end = i
            while start < end && isTrimmedAround(line[start]) { start += 1 }
            while end > start && isTrimmedAround(line[end - 1]) { end -= 1 }
            let token = line[start..<end]
            if severityKeys.contains(where: { $0.elementsEqual(token) }) { return true }
        }
        return false
    }

    @inline(__always)
    private static func isTrimmedAround(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: "(") || b == UInt8(ascii: ")") || b == UInt8(ascii: ":")
    }

    // MARK: Code and configuration

    private static let codeStartKeys: [[UInt8]] = TextShape.codeStarts.map { Array($0.utf8) }
    private static let codeBareKeys: [[UInt8]] = TextShape.codeBarePrefixes.map { Array($0.utf8) }

    /// `TextShape.isCodeLine`.
    static func isCodeLine(_ line: Bytes) -> Bool {
        guard let last = line.last else { return false }
        if last == UInt8(ascii: ";") || last == UInt8(ascii: "{") || last == UInt8(ascii: "}") { return true }
        if equals(line, ")") || ends(line, with: "):") || ends(line, with: ") {") || ends(line, with: "=>") { return true }
        guard codeStartKeys.contains(where: { starts(line, with: $0) }) else { return false }
        return line.contains(UInt8(ascii: "(")) || line.contains(UInt8(ascii: "=")) || line.contains(UInt8(ascii: "{"))
            || last == UInt8(ascii: ":") || codeBareKeys.contains(where: { starts(line, with: $0) })
    }

    /// `TextShape.isSection`.
    static func isSection(_ line: Bytes) -> Bool {
        line.first == UInt8(ascii: "[") && line.last == UInt8(ascii: "]")
    }

    /// `TextShape.isKeyValueLine`.
    static func isKeyValueLine(_ line: Bytes) -> Bool {
        guard let first = line.first else { return false }
        if first == UInt8(ascii: "#") || first == UInt8(ascii: ";") { return true }
        if starts(line, with: "- ") || equals(line, "-") || equals(line, "---") || equals(line, "...") { return true }
        if isSection(line) { return true }
        for separator in [UInt8(ascii: ":"), UInt8(ascii: "=")] {
            guard let at = line.firstIndex(of: separator) else { continue }
            if isKey(UnsafeBufferPointer(rebasing: line[..<at])) && (at + 1 == line.count || line[at + 1] == 0x20 || separator == UInt8(ascii: "=")) {
                return true
            }
        }
        return false
    }

    /// What `TextShape.isKeyValueLine` takes for a key: trimmed of white space (tabs, spaces, and the safe
    /// space separators), 1…40 characters of letters, digits and `_-. "'`, at most three words.
    private static func isKey(_ raw: Bytes) -> Bool {
        var start = 0
        var end = raw.count
        while start < end {
            if isSpaceOrTab(raw[start]) { start += 1 } else if let n = spaceSeparator(raw, at: start) { start += n } else { break }
        }
        while end > start {
            if isSpaceOrTab(raw[end - 1]) { end -= 1 } else if let n = spaceSeparator(raw, endingAt: end) { end -= n } else { break }
        }
        guard start < end, end - start <= 40 else { return false }
        var words = 0
        var inWord = false
        for i in start..<end {
            let b = raw[i]
            let allowed = (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
                || b == UInt8(ascii: ".") || b == 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")
            guard allowed else { return false }
            if b == 0x20 {
                inWord = false
            } else if !inWord {
                inWord = true
                words += 1
            }
        }
        return words <= 3
    }

    /// The length of U+00A0 or U+2000…U+200A at `i`, if one starts there.
    private static func spaceSeparator(_ b: Bytes, at i: Int) -> Int? {
        if b[i] == 0xC2, i + 1 < b.count, b[i + 1] == 0xA0 { return 2 }
        if b[i] == 0xE2, i + 2 < b.count, b[i + 1] == 0x80, b[i + 2] <= 0x8A { return 3 }
        return nil
    }

    /// The length of U+00A0 or U+2000…U+200A that ends just before `end`, if one does.
    private static func spaceSeparator(_ b: Bytes, endingAt end: Int) -> Int? {
        if end >= 2, b[end - 2] == 0xC2, b[end - 1] == 0xA0 { return 2 }
        if end >= 3, b[end - 3] == 0xE2, b[end - 2] == 0x80, b[end - 1] >= 0x80, b[end - 1] <= 0x8A { return 3 }
        return nil
    }

    // MARK: Tables

    /// `TextShape.isMarkdownRow`.
    static func isMarkdownRow(_ line: Bytes) -> Bool {
        line.count > 2 && line.first == UInt8(ascii: "|") && line.last == UInt8(ascii: "|")
    }

    /// `TextShape.isMarkdownRule`.
    static func isMarkdownRule(_ line: Bytes) -> Bool {
        var dash = false
        var bar = false
        for b in line {
            switch b {
            case UInt8(ascii: "-"): dash = true
            case UInt8(ascii: "|"): bar = true
            case UInt8(ascii: ":"), 0x20: break
            default: return false
            }
        }
        return dash && bar
    }
}
