/// ANSI styling for corpusctl's human output; every method returns its text unchanged when colour is off.
public struct TextStyle: Sendable {
    public var color: Bool

    public init(color: Bool) { self.color = color }

    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func dim(_ text: String) -> String { wrap(text, "2") }
    /// A search hit.
    public func hit(_ text: String) -> String { wrap(text, "1;33") }
    public func good(_ text: String) -> String { wrap(text, "32") }
    public func bad(_ text: String) -> String { wrap(text, "31") }

    /// The first line (a table's header) in bold.
    public func header(_ table: String) -> String {
        guard color, let newline = table.firstIndex(of: "\n") else { return color ? bold(table) : table }
        return bold(String(table[..<newline])) + table[newline...]
    }

    private func wrap(_ text: String, _ code: String) -> String {
        color && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Word wrapping for bodies and snippets. Pure.
public enum TextWrap {
    /// Wraps every line of `text` at word boundaries to at most `width` characters (a longer word stands
    /// alone), each wrapped line prefixed by `indent`. Empty lines stay, so paragraphs stay apart.
    public static func wrap(_ text: String, width: Int, indent: String = "") -> String {
        let room = max(10, width - indent.count)
        var out: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.count <= room {
                out.append(line.isEmpty ? "" : indent + line)
                continue
            }
            var current = ""
            // Empty words are the extra spaces of a run: kept inside a line, dropped at a break.
            for word in line.split(separator: " ", omittingEmptySubsequences: false) {
                if current.isEmpty {
                    current = String(word)
                } else if current.count + 1 + word.count <= room {
                    current += " " + word
                } else {
                    out.append(indent + String(current.reversed().drop(while: { $0 == " " }).reversed()))
                    current = String(word)
                }
            }
            out.append(current.isEmpty ? "" : indent + current)
        }
        return out.joined(separator: "\n")
    }
}

/// "Did you mean …?" for names typed wrong. Pure.
public enum Suggest {
    /// The candidate closest to `word` by edit distance, if it is close enough to be a plausible typo.
    public static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(word.lowercased())
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.1 <= max(2, target.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
