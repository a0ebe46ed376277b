/// The few terms that say what story an article is about: the names it mentions most (words capitalised
/// inside a sentence: people, places, organisations). Two articles on one event share several of these
/// even when they share hardly any sentence.
public enum StoryTerms {
    /// At most `limit` terms, strongest first (lowercased, as `Normalizer` writes words).
    public static func extract(_ article: ParsedArticle, limit: Int = 24) -> [String] {
        var score: [String: Double] = [:]
        for text in article.paragraphs {
            var sentenceStart = true
            for token in asciiTokens(text) ?? tokens(text) {
                defer { sentenceStart = token.endsSentence }
                // A capital away from a sentence start marks a name (in a title-case headline, every word
                // looks like one). Names identify an event; the words around them mostly name its kind,
                // which unrelated events share.
                guard token.capitalised, !sentenceStart else { continue }
                let lower = ASCIIWord.lowercased(token.word)
                guard isCandidate(lower) else { continue }
                score[lower, default: 0] += 1
            }
        }
        return score.sorted { a, b in
            a.value != b.value ? a.value > b.value : (a.key.count != b.key.count ? a.key.count > b.key.count : a.key < b.key)
        }.prefix(limit).map(\.key)
    }

    struct Token: Equatable {
        var word: Substring
        var endsSentence: Bool
        /// The word starts with an uppercase letter.
        var capitalised: Bool
    }

    /// Words with the punctuation that follows them reduced to "does a sentence end here".
    static func tokens(_ text: String) -> [Token] {
        var out: [Token] = []
        var start: String.Index?
        func end(at index: String.Index, endsSentence: Bool) {
            guard let s = start else { return }
            let word = text[s..<index]
            out.append(Token(word: word, endsSentence: endsSentence, capitalised: word.first?.isUppercase == true))
            start = nil
        }
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c.isLetter || (start != nil && (c == "'" || c == "’" || c == "-") ) {
                if start == nil { start = index }
            } else {
                end(at: index, endsSentence: false)
                if c == "." || c == "!" || c == "?" || c == ":" || c == "\n", !out.isEmpty { out[out.count - 1].endsSentence = true }
            }
            index = text.index(after: index)
        }
        end(at: text.endIndex, endsSentence: true)
        return out
    }

    /// `tokens` over the UTF-8 bytes, for text that is ASCII but for `SafeSeparators` (’, U+2019, among them:
    /// it joins words); nil for any other text. Each ASCII character is a `Character` of its own but for
    /// "\r\n", which is one and is not "\n"; each safe separator is one and no letter.
    static func asciiTokens(_ text: String) -> [Token]? {
        var copy = text
        let spans = copy.withUTF8 { bytes -> [(range: Range<Int>, endsSentence: Bool, capitalised: Bool)]? in
            var out: [(range: Range<Int>, endsSentence: Bool, capitalised: Bool)] = []
            var start = -1
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                var length = 1
                var joiner = b == 0x27 || b == 0x2D  // ' and -
                if b >= 0x80 {
                    guard let separator = SafeSeparators.length(at: i, in: bytes) else { return nil }
                    length = separator
                    joiner = b == 0xE2 && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x99
                }
                let letter = (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A
                if letter || (start >= 0 && joiner) {
                    if start < 0 { start = i }
                } else {
                    if start >= 0 {
                        out.append((start..<i, false, bytes[start] <= 0x5A))
                        start = -1
                    }
                    let newline = b == 0x0A && !(i > 0 && bytes[i - 1] == 0x0D)
                    if b == 0x2E || b == 0x21 || b == 0x3F || b == 0x3A || newline, !out.isEmpty {
                        out[out.count - 1].endsSentence = true
                    }
                }
                i += length
            }
            if start >= 0 { out.append((start..<bytes.count, true, bytes[start] <= 0x5A)) }
            return out
        }
        guard let spans else { return nil }
        let utf8 = copy.utf8
        return spans.map { span in
            let lower = utf8.index(utf8.startIndex, offsetBy: span.range.lowerBound)
            let upper = utf8.index(lower, offsetBy: span.range.count)
            return Token(word: copy[lower..<upper], endsSentence: span.endsSentence, capitalised: span.capitalised)
        }
    }

    static func isCandidate(_ lower: String) -> Bool {
        lower.count >= 3 && !Stopwords.english.contains(lower) && !common.contains(lower)
            && !lower.hasSuffix("'s") && !lower.hasSuffix("’s")
    }

    /// Words too common in news to tell one story from another.
    static let common: Set<String> = Set("""
        able across actually added adding ago ahead almost already although always among amid another anyone \
        anything around asked away back based became become becomes began behind believe best better big bill \
        called came can't case cases center central change changes chief city clear close come comes coming \
        comment comments concern concerns continue continued could country countries course day days deal \
        decision despite didn't different director does doesn't done don't early earlier either end enough even \
        ever every expected fact far feel find first following former found four friday full further get gets \
        getting give given going good government great group groups half hard head help high hold home however \
        important including increase information instead issue issues it's just keep key know known large last \
        late later least leave left less let like likely little local long look looking lot made major make makes \
        making many matter mean meanwhile meeting member members million minister monday month months move much \
        national near need needs never new news next night nine non number office officer officials official \
        often old one ones open order part past people percent place plan plans point political possible power \
        president press program public put rather really recent recently report reported reports result results \
        right role run said saturday saying second see seen senior set seven several short show shows side since \
        six small something still statement sunday support sure take taken taking talk talks team tell ten than \
        that's there's things think third three thursday time times today together told took top total tuesday \
        two under united use used using various want wanted way ways wednesday week weeks well went whether \
        whose within without work working world year years yesterday young also according added continued \
        including spokesperson spokesman spokeswoman reporters told week weekend morning evening afternoon \
        january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec state states \
        national international official percent per cent billion thousand hundred around least nearly
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
}
