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
        var lines = TextSearch.lines(head).map { TextSearch.trimmingWhitespace($0) }
        // The head may stop in the middle of a line.
        if truncated, lines.count > 1, !head.hasSuffix("\n") { lines.removeLast() }
        lines = lines.filter { !$0.isEmpty }
        if let first = lines.first, first.hasPrefix("<") { return markupKind(lines.joined(separator: "\n")) }
        if let first = lines.first, first.hasPrefix("#!/") { return "script (\(first.prefix(40)))" }
        guard lines.count >= 3 else { return nil }
        let sample = Array(lines.prefix(200))
        let n = Double(sample.count)
        func share(_ test: (String) -> Bool) -> Double { Double(sample.count(where: test)) / n }

        // Running prose decides for news: a few sentence-bearing lines among the rest are enough.
        let prose = sample.count(where: { line in
            LineClassifier.isProse(line, words: TextSearch.words(line)) && !isLogLine(line)
        })
        if share(isLogLine) >= 0.8 { return "log file" }
        if let table = tableKind(sample) { return table }
        if prose >= 2 && Double(prose) >= n * 0.15 { return nil }
        if share(isCodeLine) >= 0.6 && sample.count >= 5 { return "source code" }
        if share(isKeyValueLine) >= 0.85 {
            if sample.contains(where: { $0.hasPrefix("[") && $0.hasSuffix("]") }) || sample.allSatisfy({ !$0.contains(":") }) {
                return "configuration file (INI)"
            }
            return "YAML"
        }
        if sample[0] == "---" || sample[0].hasPrefix("%YAML") {
            if share(isKeyValueLine) >= 0.6 { return "YAML" }
        }
        return nil
    }

    // MARK: - Tables

    /// CSV, TSV, semicolon- or pipe-separated rows, or a Markdown table: every line cut into the same
    /// number of fields (at least two) by one separator.
    private static func tableKind(_ lines: [String]) -> String? {
        let markdownRows = lines.count(where: { $0.hasPrefix("|") && $0.hasSuffix("|") && $0.count > 2 })
        let hasRule = lines.contains(where: isMarkdownRule)
        if hasRule && markdownRows * 10 >= lines.count * 6 { return "Markdown table" }
        for (separator, name) in [(UInt8(ascii: "\t"), "TSV (tab-separated table)"), (UInt8(ascii: ","), "CSV (comma-separated table)"),
                                  (UInt8(ascii: ";"), "semicolon-separated table"), (UInt8(ascii: "|"), "pipe-separated table")] {
            let counts = lines.map { separators(in: $0, separator) }
            guard let header = counts.first, header >= 1 else { continue }
            // Prose may hold commas, but not the same number on every line.
            let same = counts.count(where: { $0 == header })
            let needed = separator == UInt8(ascii: "\t") ? 1 : 2
            if header >= needed && same * 10 >= counts.count * 9 { return name }
        }
        return nil
    }

    private static func isMarkdownRule(_ line: String) -> Bool {
        line.contains("-") && line.contains("|") && line.allSatisfy { $0 == "|" || $0 == "-" || $0 == ":" || $0 == " " }
    }

    /// Separators outside double quotes.
    private static func separators(in line: String, _ separator: UInt8) -> Int {
        var quoted = false
        var count = 0
        for byte in line.utf8 {
            if byte == UInt8(ascii: "\"") { quoted.toggle() } else if byte == separator && !quoted { count += 1 }
        }
        return count
    }

    // MARK: - Logs

    /// A line that starts with a timestamp (`2024-01-26 11:12:00`, `[2024-01-26T…`, syslog's `Jan 26 11:12:00`)
    /// or a severity (`INFO`, `ERROR` …).
    static func isLogLine(_ line: String) -> Bool {
        var text = Substring(line)
        if text.first == "[" { text = text.dropFirst() }
        let bytes = Array(text.utf8.prefix(20))
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        func byte(_ i: Int, _ c: Character) -> Bool { i < bytes.count && bytes[i] == c.asciiValue! }
        // 2024-01-26[ T]11:12
        if (0..<4).allSatisfy(digit), byte(4, "-"), digit(5), digit(6), byte(7, "-"), digit(8), digit(9),
            byte(10, " ") || byte(10, "T"), digit(11), digit(12), byte(13, ":")
        {
            return true
        }
        // Jan 26 11:12:00
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let lower = String(decoding: bytes, as: UTF8.self).lowercased()
        if months.contains(where: { lower.hasPrefix($0 + " ") }), bytes.count >= 15, byte(9, ":"), byte(12, ":") { return true }
        // 11:12:00 at the start, or a severity word among the first tokens.
        if digit(0), digit(1), byte(2, ":"), digit(3), digit(4), byte(5, ":") { return true }
        let firstTokens = line.split(separator: " ", maxSplits: 3).prefix(3)
        return firstTokens.contains { token in
            let t = token.trimmingCharacters(in: CharacterSet(charactersIn: "[]():"))
            return ["INFO", "ERROR", "WARN", "WARNING", "DEBUG", "TRACE", "FATAL", "CRITICAL", "NOTICE"].contains(t)
        }
    }

    // MARK: - Code and configuration

    private static let codeStarts = [
        "import ", "from ", "def ", "class ", "return", "if (", "if ", "for (", "for ", "while ", "#include", "#define", "#import",
        "func ", "let ", "var ", "const ", "fn ", "pub ", "package ", "using ", "namespace ", "public ", "private ",
        "protected ", "static ", "<?php", "//", "/*", "*/", "* ", "elif ", "else", "try", "catch", "except", "switch ",
        "case ", "struct ", "enum ", "interface ", "export ", "module ", "require(", "print(", "console.", "@",
    ]

    static func isCodeLine(_ line: String) -> Bool {
        if let last = line.last, ";{}".contains(last) { return true }
        if line == ")" || line.hasSuffix("):") || line.hasSuffix(") {") || line.hasSuffix("=>") { return true }
        return codeStarts.contains { line.hasPrefix($0) } && (line.contains("(") || line.contains("=") || line.contains("{")
            || line.hasSuffix(":") || line.hasPrefix("import ") || line.hasPrefix("#") || line.hasPrefix("//") || line.hasPrefix("*")
            || line.hasPrefix("/*") || line.hasPrefix("package ") || line.hasPrefix("using "))
    }

    /// `key: value`, `key:`, `- item`, `key = value`, `[section]`, `# comment`: the lines of YAML and INI files.
    static func isKeyValueLine(_ line: String) -> Bool {
        if line.hasPrefix("#") || line.hasPrefix(";") { return true }
        if line.hasPrefix("- ") || line == "-" || line == "---" || line == "..." { return true }
        if line.hasPrefix("[") && line.hasSuffix("]") { return true }
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
