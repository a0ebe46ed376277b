/// An ICU regular expression read as far as `TagPattern`'s checks need it: atoms, groups, alternation and
/// quantifiers, each escape, set and quoted run one token. It does not validate (the compiler does that);
/// where it cannot follow the pattern (an unclosed set or `\Q`, a `{` that is no interval, a trailing `\`) it
/// says so in `complete`, and the checks then assume the worst.
struct RegexSyntax {
    enum Atom: Equatable {
        /// An ASCII character that stands for itself: plain (`a`, ` `, `-`) or punctuation escaped (`\.`, `\(`).
        case literal(UInt8)
        /// One position of anything else: `.`, `^`, `$`, a class or assertion escape (`\d`, `\b`, `\p{Lu}`,
        /// `\x{41}`, `\N{…}`, a back reference), a character not ASCII or a control character.
        case other
        /// A set, `[…]` (sets nest in ICU).
        case set
        /// Quoted text, `\Q…\E`.
        case quoted
    }

    enum Token: Equatable {
        case atom(Atom)
        /// `(` or `(?:` (plain), or any other group or inline construct: look-arounds, named and atomic groups,
        /// inline flags (`(?i)` is read as an open and a close), comments.
        case open(plain: Bool)
        case close
        case alternation
        /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, with any lazy or possessive mark; `max` nil: without bound.
        case quantifier(min: Int, max: Int?)
    }

    private(set) var tokens: [Token] = []
    private(set) var complete = true

    init(_ pattern: String) {
        let chars = Array(pattern.unicodeScalars)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                i = escape(chars, at: i)
            case "[":
                guard let end = Self.setEnd(chars, from: i) else {
                    tokens.append(.atom(.set))
                    complete = false
                    return
                }
                tokens.append(.atom(.set))
                i = end
            case "(":
                i = group(chars, at: i)
            case ")":
                tokens.append(.close)
                i += 1
            case "|":
                tokens.append(.alternation)
                i += 1
            case "*", "+", "?":
                tokens.append(.quantifier(min: c == "+" ? 1 : 0, max: c == "?" ? 1 : nil))
                i = Self.afterMark(chars, i + 1)
            case "{":
                guard let (quantifier, end) = Self.interval(chars, at: i) else {
                    tokens.append(.atom(.other))
                    complete = false
                    i += 1
                    continue
                }
                tokens.append(quantifier)
                i = Self.afterMark(chars, end)
            default:
                let special = "^$.#]}".unicodeScalars.contains(c)
                tokens.append(.atom(c.isASCII && c.value >= 0x20 && c.value < 0x7F && !special ? .literal(UInt8(c.value)) : .other))
                i += 1
            }
        }
    }

    /// Reads the escape at `at`; returns the index after it.
    private mutating func escape(_ chars: [Unicode.Scalar], at: Int) -> Int {
        guard at + 1 < chars.count else {
            tokens.append(.atom(.other))
            complete = false
            return chars.count
        }
        let c = chars[at + 1]
        var end = at + 2
        switch c {
        case "Q":
            // Literal text up to `\E` (or the end of the pattern, which leaves it unclosed).
            var j = at + 2
            while j + 1 < chars.count && !(chars[j] == "\\" && chars[j + 1] == "E") { j += 1 }
            if j + 1 >= chars.count { complete = false; j = chars.count } else { j += 2 }
            tokens.append(.atom(.quoted))
            return j
        case "p", "P":
            end = braced(chars, from: at + 2) ?? min(chars.count, at + 3)  // `\p{Lu}`, `\pL`
        case "N":
            end = braced(chars, from: at + 2) ?? end  // `\N{DIGIT ONE}`
        case "x":
            // `\x{41}` or `\x41`.
            end = braced(chars, from: at + 2) ?? Self.digits(chars, from: at + 2, max: 2, hex: true)
        case "c":
            end = min(chars.count, at + 3)  // `\cA`
        case "u":
            end = Self.digits(chars, from: at + 2, max: 4, hex: true)
        case "U":
            end = Self.digits(chars, from: at + 2, max: 8, hex: true)
        case "0":
            end = Self.digits(chars, from: at + 2, max: 3, hex: false)
        default:
            break
        }
        let isPunctuation = c.isASCII && c.value >= 0x21 && c.value < 0x7F && !c.properties.isAlphabetic && !("0"..."9").contains(c)
        tokens.append(.atom(isPunctuation ? .literal(UInt8(c.value)) : .other))
        return end
    }

    /// The index after a brace that opens at `from` (`{…}`), nil when none opens there; the end of the pattern when
    /// it is not closed.
    private mutating func braced(_ chars: [Unicode.Scalar], from: Int) -> Int? {
        guard from < chars.count, chars[from] == "{" else { return nil }
        guard let close = chars[from...].firstIndex(of: "}") else {
            complete = false
            return chars.count
        }
        return close + 1
    }

    /// Reads the group opening at `at` (`(`, `(?:`, `(?=`, `(?<name>`, `(?i)`, `(?i:`, `(?#…)`); returns the index
    /// after what it read.
    private mutating func group(_ chars: [Unicode.Scalar], at: Int) -> Int {
        guard at + 1 < chars.count, chars[at + 1] == "?" else {
            tokens.append(.open(plain: true))
            return at + 1
        }
        var j = at + 2
        guard j < chars.count else {
            tokens.append(.open(plain: false))
            complete = false
            return chars.count
        }
        switch chars[j] {
        case ":":
            tokens.append(.open(plain: true))
            return j + 1
        case "=", "!", ">":
            tokens.append(.open(plain: false))
            return j + 1
        case "<":
            tokens.append(.open(plain: false))
            if j + 1 < chars.count && (chars[j + 1] == "=" || chars[j + 1] == "!") { return j + 2 }
            guard let close = chars[j...].firstIndex(of: ">") else { complete = false; return chars.count }
            return close + 1
        case "#":
            // A comment: nothing to match, read as an empty group.
            tokens.append(.open(plain: false))
            guard let close = chars[j...].firstIndex(of: ")") else { complete = false; return chars.count }
            tokens.append(.close)
            return close + 1
        default:
            // Inline flags: `(?i)` sets them for what follows (an open and a close), `(?i:` opens a group with them.
            tokens.append(.open(plain: false))
            while j < chars.count, chars[j].properties.isAlphabetic || chars[j] == "-" { j += 1 }
            guard j < chars.count else { complete = false; return chars.count }
            if chars[j] == ")" { tokens.append(.close) }
            return j + 1
        }
    }

    /// `{n}`, `{n,}` or `{n,m}` at `at`, and the index after its `}`; nil when the brace is no interval.
    private static func interval(_ chars: [Unicode.Scalar], at: Int) -> (Token, Int)? {
        guard let close = chars[at...].firstIndex(of: "}") else { return nil }
        let parts = String(String.UnicodeScalarView(chars[(at + 1)..<close])).split(separator: ",", omittingEmptySubsequences: false)
        guard let low = parts.first.flatMap({ Int($0) }) else { return nil }
        switch parts.count {
        case 1: return (.quantifier(min: low, max: low), close + 1)
        case 2 where parts[1].isEmpty: return (.quantifier(min: low, max: nil), close + 1)
        case 2: return Int(parts[1]).map { (.quantifier(min: low, max: $0), close + 1) }
        default: return nil
        }
    }

    /// After a quantifier: past its lazy (`?`) or possessive (`+`) mark, if it has one.
    private static func afterMark(_ chars: [Unicode.Scalar], _ i: Int) -> Int {
        i < chars.count && (chars[i] == "?" || chars[i] == "+") ? i + 1 : i
    }

    private static func digits(_ chars: [Unicode.Scalar], from: Int, max: Int, hex: Bool) -> Int {
        var j = from
        while j < chars.count && j - from < max && (hex ? chars[j].properties.isASCIIHexDigit : ("0"..."7").contains(chars[j])) { j += 1 }
        return j
    }

    /// The index after the set `[…]` that starts at `from` (sets nest in ICU), nil when it is not closed.
    private static func setEnd(_ chars: [Unicode.Scalar], from: Int) -> Int? {
        var depth = 0
        var j = from
        while j < chars.count {
            if chars[j] == "\\" { j += 2; continue }
            if chars[j] == "[" { depth += 1 } else if chars[j] == "]" { depth -= 1; if depth == 0 { return j + 1 } }
            j += 1
        }
        return nil
    }
}
