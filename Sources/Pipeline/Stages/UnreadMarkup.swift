import CXML2
#if canImport(Glibc)
import Glibc
#endif

/// What libxml2 would build of a page that the HTML reader never reads, cut out of the page before libxml2 parses it:
/// the bodies of scripts and style sheets, comments' text, and the attributes the reader does not read.
///
/// libxml2 2.9 reads the text of a `<script>` or `<style>` element, a comment or an attribute value character by
/// character and builds it into the tree (a third of a news page's bytes are scripts and styles), of which the reader
/// reads only JSON-LD and a few attributes. Where libxml2 sees a script, a comment, a tag or an attribute value is
/// decided by its own tokenizer, which `Scan` follows step by step: HTMLparser.c of libxml2 2.9.14 in recovery mode
/// (`htmlParseDocument`, `htmlParseContentInternal`, `htmlParseStartTag`, `htmlParseAttValue`, `htmlParseEndTag`,
/// `htmlParseComment`, `htmlParsePI`, `htmlParseDocTypeDecl`, `htmlParseScript`), so the tree of the cut page differs
/// only in what was cut. (A newer libxml2 with another tokenizer needs `Scan` read against it again: the tests in
/// HTMLReaderParseTests compare both trees on pages made to tell them apart.) Where following libxml2 would take
/// more than these steps (a NUL byte, a byte order mark, a name that is not ASCII, a body that opens with
/// markup, a body ended by a longer name such as `</scripts>`), the page is left whole.
enum UnreadMarkup {
    /// `page` (UTF-8) with the bodies of its `<script>` and `<style>` elements cut out, but those of scripts that may
    /// be JSON-LD (the start tag holds `ld+json`, ASCII case ignored, or a character reference); its comments emptied;
    /// and the attributes (name and value) that are no `MarkupName.Attribute` cut from its start tags. Nil when there
    /// is nothing to cut or the page is left whole.
    static func cut(_ page: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard followsLinkedLibxml2 else { return nil }
        var scan = Scan(page: page)
        guard scan.run(), !scan.cuts.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(page.count - scan.cuts.reduce(0) { $0 + $1.count })
        var from = 0
        for cut in scan.cuts {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: page[from..<cut.lowerBound]))
            from = cut.upperBound
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: page[from...]))
        return out
    }

    /// Is the libxml2 this runs with the one whose tokenizer `Scan` follows? Another leaves every page whole.
    static let followsLinkedLibxml2 = __xmlParserVersion()?.pointee.map { String(cString: $0) } == "20914"

    /// libxml2's reading of a page, as far as it decides where a tag, an attribute, a comment or raw text begins and
    /// ends. `i` is libxml2's position.
    private struct Scan {
        let page: UnsafeBufferPointer<UInt8>
        var i = 0
        /// The ranges to cut, in page order.
        var cuts: [Range<Int>] = []

        /// The first `byte` at `from` or after.
        func firstIndex(of byte: UInt8, from: Int) -> Int? {
            guard from < page.count, let found = memchr(page.baseAddress! + from, Int32(byte), page.count - from) else { return nil }
            return page.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }

        /// The byte at `k`; 0 past the end, as libxml2's input ends in a NUL.
        @inline(__always)
        func at(_ k: Int) -> UInt8 { k < page.count ? page[k] : 0 }

        /// `htmlParseDocument`: blanks, comments and processing instructions, a doctype, more of them, then content.
        /// False when the page is left whole.
        mutating func run() -> Bool {
            let n = page.count
            guard n > 0, memchr(page.baseAddress!, 0, n) == nil,
                  !(at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) else { return false }
            skipBlanks()
            guard prolog() else { return false }
            if isDoctype() { guard doctype() else { return false } }
            skipBlanks()
            guard prolog() else { return false }
            return content()
        }

        /// Comments and processing instructions before the content (each loop runs `htmlParseComment`, then
        /// `htmlParsePI`, each of which does nothing unless it is at its own start).
        mutating func prolog() -> Bool {
            while at(i) == lt && ((at(i + 1) == bang && at(i + 2) == dash && at(i + 3) == dash) || at(i + 1) == question) {
                if isComment() { comment() }
                if at(i) == lt && at(i + 1) == question { guard processingInstruction() else { return false } }
                skipBlanks()
            }
            return true
        }

        /// `htmlParseContentInternal`. Text and references never read past a `<`, so only a `<` is looked at.
        mutating func content() -> Bool {
            let n = page.count
            while i < n {
                guard page[i] == lt else {
                    i = firstIndex(of: lt, from: i) ?? n
                    continue
                }
                if at(i + 1) == slash {
                    endTag()
                    continue
                }
                // After a doctype, libxml2 goes on with the cases below at once, an end tag not among them.
                if isDoctype() { guard doctype() else { return false } }
                if isComment() {
                    comment()
                } else if at(i) == lt && at(i + 1) == question {
                    guard processingInstruction() else { return false }
                } else if at(i) == lt && isASCIILetter(at(i + 1)) {
                    guard startTag() else { return false }
                } else if at(i) == lt {
                    i += 1
                }
            }
            return true
        }

        /// `htmlParseStartTag` and the end of `htmlParseElementInternal`; then the body of a script or style.
        mutating func startTag() -> Bool {
            let tag = i
            i += 1
            let name = htmlName()!
            skipBlanks()
            while i < page.count && page[i] != gt && !(page[i] == slash && at(i + 1) == gt) {
                if let attribute = htmlName() {
                    var end = i
                    skipBlanks()
                    if at(i) == equals {
                        i += 1
                        skipBlanks()
                        attributeValue()
                        end = i
                    }
                    // An attribute the reader never reads is not built (`MarkupDocument.htmlForReader`): it is cut
                    // with its value. What precedes it is a blank or a quote, so nothing joins what follows. A name of
                    // 100 bytes may go on in the page as another attribute, and stays.
                    if attribute.count < 100,
                       MarkupName.attribute(UnsafeBufferPointer(rebasing: page[attribute])) == nil
                    {
                        cuts.append(attribute.lowerBound..<end)
                    }
                } else {
                    // A bogus attribute is dropped up to the next blank or the end of the tag.
                    while i < page.count && !isBlank(page[i]) && page[i] != gt && !(page[i] == slash && at(i + 1) == gt) { i += 1 }
                }
                skipBlanks()
            }
            guard i < page.count else { return true }
            // `<script … />` is closed at once: what follows is no script.
            if page[i] == slash {
                i += 2
                return true
            }
            i += 1
            let body = i
            let script = equalsLowercase(name, "script")
            guard script || equalsLowercase(name, "style") else { return true }
            let end = rawTextEnd(name)
            guard end > body else { return true }
            // libxml2's content loop reads a body that opens with markup before the body itself: an end tag, or a
            // start tag that closes the element (`<noscript>` a script).
            if page[body] == lt, at(body + 1) == slash || isASCIILetter(at(body + 1)) || at(body + 1) == underscore
                || at(body + 1) == colon { return false }
            // `</scripts>` ends libxml2's scan of the body too, but names another element: libxml2 reads on after it.
            if end < page.count, isHTMLNameByte(at(end + 2 + name.count)) { return false }
            if !(script && mayBeJSONLD(tag..<body)) { cuts.append(body..<end) }
            i = end
            return true
        }

        /// `htmlParseScript` in recovery mode: the body ends at the first `</` followed by the element's name, ASCII
        /// case ignored, or at the end of the page.
        func rawTextEnd(_ name: Range<Int>) -> Int {
            let n = page.count
            var k = i
            while let found = firstIndex(of: lt, from: k) {
                k = found
                if at(k + 1) == slash && (0..<name.count).allSatisfy({ lowered(at(k + 2 + $0)) == lowered(page[name.lowerBound + $0]) }) {
                    return k
                }
                k += 1
            }
            return n
        }

        /// Could the element's `type` be JSON-LD? Without a character reference the value is the tag's own bytes.
        func mayBeJSONLD(_ tag: Range<Int>) -> Bool {
            let bytes = UnsafeBufferPointer(rebasing: page[tag])
            if memchr(bytes.baseAddress!, Int32(ampersand), bytes.count) != nil { return true }
            return TextSearch.firstIndex(of: "ld+json", in: TextSearch.asciiLowercased(bytes)) != nil
        }

        /// `htmlParseAttValue`: quoted up to the same quote, or unquoted up to a blank or `>`. Character references
        /// inside never read past either.
        mutating func attributeValue() {
            let quote = at(i)
            if quote == doubleQuote || quote == singleQuote {
                i += 1
                i = firstIndex(of: quote, from: i).map { $0 + 1 } ?? page.count
            } else {
                while i < page.count && page[i] != gt && !isBlank(page[i]) { i += 1 }
            }
        }

        /// `htmlParseEndTag`: `</`, a name, blanks, and on to the next `>` (or nothing more without a name).
        mutating func endTag() {
            i += 2
            guard htmlName() != nil else { return }
            skipBlanks()
            while i < page.count && page[i] != gt { i += 1 }
            if i < page.count { i += 1 }
        }

        /// `htmlParseComment`: ends at the first `-->` or `--!>` that starts after `<!--`; unfinished, it takes the rest.
        /// A finished comment is emptied (`<!---->` is a comment too): the node stays, so the text around it stays in
        /// two nodes, as libxml2 builds it.
        mutating func comment() {
            let n = page.count
            var k = i + 4
            while let found = firstIndex(of: dash, from: k) {
                k = found
                if at(k + 1) == dash && (at(k + 2) == gt || (at(k + 2) == bang && at(k + 3) == gt)) {
                    if k > i + 4 { cuts.append((i + 4)..<k) }
                    i = k + (at(k + 2) == gt ? 3 : 4)
                    return
                }
                k += 1
            }
            i = n
        }

        /// `htmlParsePI`: `<?`, a name, then on to the next `>`. False for a name libxml2 reads beyond ASCII.
        mutating func processingInstruction() -> Bool {
            i += 2
            guard let named = xmlName() else { return false }
            guard named else { return true }
            if at(i) == gt {
                i += 1
                return true
            }
            while i < page.count && page[i] != gt { i += 1 }
            if i < page.count { i += 1 }
            return true
        }

        /// `htmlParseDocTypeDecl`: a name, an external id (`SYSTEM` or `PUBLIC` and quoted literals), then on to the
        /// next `>`. False for a name libxml2 reads beyond ASCII.
        mutating func doctype() -> Bool {
            i += 9
            skipBlanks()
            guard xmlName() != nil else { return false }
            skipBlanks()
            if matchesUppercase("SYSTEM") {
                i += 6
                skipBlanks()
                literal()
            } else if matchesUppercase("PUBLIC") {
                i += 6
                skipBlanks()
                literal()
                skipBlanks()
                literal()
            }
            skipBlanks()
            while i < page.count && page[i] != gt { i += 1 }
            if i < page.count { i += 1 }
            return true
        }

        /// `htmlParseSystemLiteral` and `htmlParsePubidLiteral`: nothing unless at a quote, else up to the same quote.
        mutating func literal() {
            let quote = at(i)
            guard quote == doubleQuote || quote == singleQuote else { return }
            attributeValue()
        }

        /// `htmlParseHTMLName`: a letter, `_`, `:` or `.`, then up to 100 letters, digits, `:`, `-`, `_` or `.` in all.
        mutating func htmlName() -> Range<Int>? {
            let first = at(i)
            guard isASCIILetter(first) || first == underscore || first == colon || first == dot else { return nil }
            let start = i
            while i - start < 100 && isHTMLNameByte(at(i)) { i += 1 }
            return start..<i
        }

        /// `htmlParseName` for ASCII names: true when read, false when there is none (nothing is read); nil when libxml2
        /// would read on beyond ASCII.
        mutating func xmlName() -> Bool? {
            let first = at(i)
            if first >= 0x80 { return nil }
            guard isASCIILetter(first) || first == underscore || first == colon else { return false }
            var k = i + 1
            while isHTMLNameByte(at(k)) { k += 1 }
            if k == page.count { return false }
            if at(k) >= 0x80 { return nil }
            i = k
            return true
        }

        func isDoctype() -> Bool {
            at(i) == lt && at(i + 1) == bang && "DOCTYPE".utf8.enumerated().allSatisfy { uppered(at(i + 2 + $0.offset)) == $0.element }
        }

        func isComment() -> Bool { at(i) == lt && at(i + 1) == bang && at(i + 2) == dash && at(i + 3) == dash }

        func matchesUppercase(_ word: String) -> Bool {
            word.utf8.enumerated().allSatisfy { uppered(at(i + $0.offset)) == $0.element }
        }

        func equalsLowercase(_ name: Range<Int>, _ word: String) -> Bool {
            name.count == word.utf8.count && zip(name, word.utf8).allSatisfy { lowered(page[$0.0]) == $0.1 }
        }

        mutating func skipBlanks() {
            while isBlank(at(i)) { i += 1 }
        }
    }

    private static let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), slash = UInt8(ascii: "/"), bang = UInt8(ascii: "!")
    private static let dash = UInt8(ascii: "-"), question = UInt8(ascii: "?"), equals = UInt8(ascii: "=")
    private static let doubleQuote = UInt8(ascii: "\""), singleQuote = UInt8(ascii: "'"), ampersand = UInt8(ascii: "&")
    private static let underscore = UInt8(ascii: "_"), colon = UInt8(ascii: ":"), dot = UInt8(ascii: ".")

    /// libxml2's `IS_BLANK_CH`.
    @inline(__always)
    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    @inline(__always)
    private static func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

    /// A byte of a name after its first: a letter, a digit, `:`, `-`, `_` or `.`.
    @inline(__always)
    private static func isHTMLNameByte(_ b: UInt8) -> Bool {
        isASCIILetter(b) || (b >= 0x30 && b <= 0x39) || b == colon || b == dash || b == underscore || b == dot
    }

    @inline(__always)
    private static func lowered(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    @inline(__always)
    private static func uppered(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b & ~0x20 : b }
}
