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
    /// the attributes (name and value) that the reader does not read of their element (`MarkupName.isRead`) cut from its
    /// start tags; and the values of those that it does, but for short ones and those holding a character reference,
    /// taken out into `AttributeValues` with a token in their place. Nil when there is nothing to cut or the page is left whole.
    static func cut(_ page: UnsafeBufferPointer<UInt8>) -> Cut? {
        guard followsLinkedLibxml2 else { return nil }
        var scan = Scan(page: page)
        // A value libxml2 reads from a page without the marker never starts with it (a reference to U+0001 is no
        // character, and a value holding a reference keeps its place): there a token cannot be taken for a value.
        scan.takesValues = memchr(page.baseAddress!, Int32(AttributeValues.marker), page.count) == nil
        guard scan.run(), !scan.edits.isEmpty else { return nil }
        // One buffer: the page as libxml2 is to read it, then the values taken out of it, one after another. The
        // first part is never longer than the page (a token is no longer than the value it stands for).
        let taken = scan.edits.reduce(0) { $0 + ($1.isValue ? $1.range.count : 0) }
        var parsed = 0
        var ends: [Int] = []
        ends.reserveCapacity(scan.takenValues)
        let buffer = [UInt8](unsafeUninitializedCapacity: page.count + taken) { out, written in
            let base = page.baseAddress!
            var w = 0
            func copy(_ from: Int, _ to: Int) {
                guard to > from else { return }
                (out.baseAddress! + w).initialize(from: base + from, count: to - from)
                w += to - from
            }
            var from = 0
            for edit in scan.edits {
                copy(from, edit.range.lowerBound)
                if edit.isValue { w += AttributeValues.writeToken(ends.count, into: out.baseAddress! + w); ends.append(0) }
                from = edit.range.upperBound
            }
            copy(from, page.count)
            parsed = w
            var k = 0
            for edit in scan.edits where edit.isValue {
                copy(edit.range.lowerBound, edit.range.upperBound)
                ends[k] = w
                k += 1
            }
            written = w
        }
        return Cut(buffer: buffer, parsed: parsed, values: ends.isEmpty ? nil : AttributeValues(buffer: buffer, start: parsed, ends: ends),
                   onlyReadAttributes: !scan.keepsUnread)
    }

    /// What `cut` makes of a page: the bytes libxml2 is to parse (the first `parsed` of `buffer`), and the attribute
    /// values its tokens stand for (after them in `buffer`).
    struct Cut {
        var buffer: [UInt8]
        var parsed: Int
        var values: AttributeValues?
        /// Is every attribute left in the page one the reader reads of its element (`MarkupName.isRead`)?
        var onlyReadAttributes: Bool

        func withPage<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<parsed])) }
        }
    }

    /// A range of the page that libxml2 does not read: cut, or a value taken out (`isValue`) and put in a token's place.
    struct Edit {
        var range: Range<Int>
        var isValue = false
    }

    /// Values this long or longer are taken out, when their token is no longer (two characters up to 63 values, three
    /// up to 4,095, four up to 262,143 …).
    static let minTakenValue = 4

    /// Is the libxml2 this runs with the one whose tokenizer `Scan` follows? Another leaves every page whole.
    static let followsLinkedLibxml2 = __xmlParserVersion()?.pointee.map { String(cString: $0) } == "20914"

    /// libxml2's reading of a page, as far as it decides where a tag, an attribute, a comment or raw text begins and
    /// ends. `i` is libxml2's position.
    private struct Scan {
        let page: UnsafeBufferPointer<UInt8>
        var i = 0
        /// The ranges to cut or put a token in place of, in page order.
        var edits: [Edit] = []
        /// May attribute values be taken out (`UnreadMarkup.cut`)? How many were.
        var takesValues = false
        var takenValues = 0
        /// Was an attribute that the reader does not read left in the page (a name of 100 bytes or more)?
        var keepsUnread = false

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
            // libxml2 names the element after the tag (lowercased): its attributes are those the reader reads of it.
            let element = HTMLTag(UnsafeBufferPointer(rebasing: page[name]))
            skipBlanks()
            while i < page.count && page[i] != gt && !(page[i] == slash && at(i + 1) == gt) {
                if let attribute = htmlName() {
                    var end = i
                    var value: Range<Int>?
                    skipBlanks()
                    if at(i) == equals {
                        i += 1
                        skipBlanks()
                        value = attributeValue()
                        end = i
                    }
                    // An attribute the reader never reads of this element is not built (`MarkupDocument.htmlForReader`):
                    // it is cut with its value. What precedes it is a blank or a quote, so nothing joins what follows
                    // unless what follows, after blanks, is a bogus `=…`: cut, it would become the value of an attribute
                    // named before without one (`hidden href=x =y`), so the attribute stays. A name of 100 bytes may
                    // go on in the page as another attribute, and stays.
                    if attribute.count >= 100 || nextAfterBlanks(from: end) == equals {
                        keepsUnread = true
                    } else {
                        let read = MarkupName.attribute(UnsafeBufferPointer(rebasing: page[attribute]))
                        if read.map({ MarkupName.isRead($0, on: element) }) != true {
                            edits.append(Edit(range: attribute.lowerBound..<end))
                        } else if takesValues, let value, value.count >= minTakenValue,
                                  value.count >= AttributeValues.tokenLength(takenValues),
                                  memchr(page.baseAddress! + value.lowerBound, Int32(ampersand), value.count) == nil
                        {
                            // libxml2 copies a value's characters as they are but for references (the page is valid
                            // UTF-8 without NUL): the value it would build is these bytes.
                            edits.append(Edit(range: value, isValue: true))
                            takenValues += 1
                        }
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
            if !(script && mayBeJSONLD(tag..<body)) { edits.append(Edit(range: body..<end)) }
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
                if at(k + 1) == slash && (0..<name.count).allSatisfy({ at(k + 2 + $0).asciiLowercased == page[name.lowerBound + $0].asciiLowercased }) {
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
        /// inside never read past either. The value's bytes, but for a quoted value the page ends in.
        @discardableResult
        mutating func attributeValue() -> Range<Int>? {
            let quote = at(i)
            if quote == doubleQuote || quote == singleQuote {
                i += 1
                let start = i
                guard let close = firstIndex(of: quote, from: i) else {
                    i = page.count
                    return nil
                }
                i = close + 1
                return start..<close
            } else {
                let start = i
                while i < page.count && page[i] != gt && !isBlank(page[i]) { i += 1 }
                return start..<i
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
                    if k > i + 4 { edits.append(Edit(range: (i + 4)..<k)) }
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
            name.count == word.utf8.count && zip(name, word.utf8).allSatisfy { page[$0.0].asciiLowercased == $0.1 }
        }

        /// The first byte at `from` or after that is not a blank; 0 at the end.
        func nextAfterBlanks(from: Int) -> UInt8 {
            var k = from
            while isBlank(at(k)) { k += 1 }
            return at(k)
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
    private static func uppered(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b & ~0x20 : b }
}

/// The attribute values `UnreadMarkup` took out of a page, and the tokens libxml2 was given in their place.
///
/// libxml2 reads an attribute value character by character (some 130 instructions each: a quarter of its parse of a news
/// page went to the values of `class`, `href` and the like). A token is the byte 0x01 and the value's index in base 64
/// (`A`–`Z`, `a`–`z`, `0`–`9`, `-`, `_`, lowest digit first), none of which ends a value. A page
/// gets tokens only when it holds no 0x01 byte, so a value that libxml2 built from it and that starts with 0x01 is a
/// token. `MarkupNode.withValue` reads a token's value here (`MarkupDocument` keeps it beside its tree).
final class AttributeValues {
    /// The values, one after another, from `start` on.
    private let buffer: [UInt8]
    private let start: Int
    /// Where each value ends in `buffer`; it starts where the one before ends.
    private let ends: [Int]

    init(buffer: [UInt8], start: Int, ends: [Int]) {
        self.buffer = buffer
        self.start = start
        self.ends = ends
    }

    static let marker: UInt8 = 0x01
    private static let digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let digitValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, digit) in digits.enumerated() { table[Int(digit)] = UInt8(value) }
        return table
    }()

    /// The length of the token of the value numbered `index`.
    static func tokenLength(_ index: Int) -> Int {
        var index = index >> 6
        var length = 2
        while index > 0 {
            index >>= 6
            length += 1
        }
        return length
    }

    /// Writes the token of the value numbered `index` at `out`; returns its length (`tokenLength`).
    static func writeToken(_ index: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = marker
        var index = index
        var k = 1
        repeat {
            out[k] = digits[index & 63]
            index >>= 6
            k += 1
        } while index > 0
        return k
    }

    /// Calls `body` with the value `token` (a NUL-terminated attribute value as libxml2 built it) stands for; nil when it
    /// is no token of these values.
    func withValue<R>(token: UnsafePointer<xmlChar>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard token[0] == Self.marker else { return nil }
        var index = 0
        var shift = 0
        var k = 1
        while token[k] != 0 {
            let digit = Self.digitValues[Int(token[k])]
            guard digit != 0xFF, shift < 48 else { return nil }
            index |= Int(digit) << shift
            shift += 6
            k += 1
        }
        guard k > 1, index < ends.count else { return nil }
        let from = index == 0 ? start : ends[index - 1]
        return buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[from..<ends[index]])) }
    }

    /// The values whose tokens the tree of `doc` holds, if any (`MarkupDocument` keeps them in the document's `_private`).
    static func of(_ doc: xmlDocPtr?) -> AttributeValues? {
        guard let raw = doc?.pointee._private else { return nil }
        return Unmanaged<AttributeValues>.fromOpaque(raw).takeUnretainedValue()
    }
}
