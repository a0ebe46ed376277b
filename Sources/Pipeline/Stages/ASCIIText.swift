// Byte-level fast paths for the common case of English news text: ASCII, but for a few punctuation
// characters. Each gives exactly what the Unicode path gives, or nil to send the text down that path.

extension Normalizer {
    /// `normalize` for text that is ASCII but for `SafeSeparators`, in one pass over the UTF-8 bytes:
    /// NFKC leaves such text unchanged but for separators, and lowercasing is ASCII's. Nil for any other
    /// text, which takes the Unicode path.
    static func asciiNormalized(_ text: String) -> String? {
        bytesNormalized(text, latin1Letters: false)
    }

    /// `asciiNormalized` for text that may also hold the letters of Latin-1 (U+00C0–U+00FF, less × and ÷, which are
    /// separators): NFKC leaves them as they are (none decomposes, none composes with what follows but a combining
    /// mark, which takes the Unicode path), and their lowercase is U+00E0–U+00FE for U+00C0–U+00DE, themselves else.
    /// German and French text rarely needs the Unicode path then (its NFKC, through Foundation, cost 100 k
    /// instructions a short line).
    static func latin1Normalized(_ text: String) -> String? {
        bytesNormalized(text, latin1Letters: true)
    }

    private static func bytesNormalized(_ text: String, latin1Letters: Bool) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var out = [UInt8]()
            out.reserveCapacity(bytes.count)
            var pendingSpace = false
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x80 {
                    i += 1
                    if let lower = ASCIIWord.lowered(b) {
                        if pendingSpace && !out.isEmpty { out.append(0x20) }
                        pendingSpace = false
                        out.append(lower)
                    } else {
                        pendingSpace = true
                    }
                } else if latin1Letters, b == 0xC3, i + 1 < bytes.count, bytes[i + 1] >= 0x80, bytes[i + 1] <= 0xBF {
                    let b1 = bytes[i + 1]
                    i += 2
                    if b1 == 0x97 || b1 == 0xB7 {
                        pendingSpace = true  // × and ÷
                    } else {
                        if pendingSpace && !out.isEmpty { out.append(0x20) }
                        pendingSpace = false
                        out.append(0xC3)
                        out.append(b1 <= 0x9E ? b1 + 0x20 : b1)
                    }
                } else {
                    guard let length = SafeSeparators.length(at: i, in: bytes) else { return nil }
                    i += length
                    pendingSpace = true
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

extension Normalizer {
    /// The words of text `normalize` wrote — what `split(separator: " ")` gives — as UTF-8 byte ranges, when
    /// the text is ASCII; nil otherwise (there a space and a combining mark after it are one `Character`,
    /// which a split by bytes would cut).
    static func asciiWordRanges(_ normalized: String) -> [Range<Int>]? {
        var copy = normalized
        return copy.withUTF8 { bytes -> [Range<Int>]? in
            var ranges: [Range<Int>] = []
            var start = 0
            for (i, b) in bytes.enumerated() {
                if b >= 0x80 { return nil }
                if b == 0x20 {
                    if i > start { ranges.append(start..<i) }
                    start = i + 1
                }
            }
            if bytes.count > start { ranges.append(start..<bytes.count) }
            return ranges
        }
    }

    /// How many words text `normalize` wrote has (`split(separator: " ").count`).
    static func wordCount(_ normalized: String) -> Int {
        var copy = normalized
        let ascii = copy.withUTF8 { bytes -> Int? in
            var count = 0
            var inWord = false
            for b in bytes {
                if b >= 0x80 { return nil }
                if b == 0x20 {
                    inWord = false
                } else if !inWord {
                    inWord = true
                    count += 1
                }
            }
            return count
        }
        return ascii ?? normalized.split(separator: " ").count
    }
}

extension Tokens {
    /// `split` for text that is ASCII but for `SafeSeparators`, over the UTF-8 bytes; nil for other text.
    static func asciiSplit(_ text: String) -> [Substring]? {
        var copy = text
        guard let ranges = copy.withUTF8(asciiRanges) else { return nil }
        let utf8 = copy.utf8
        return ranges.map { range in
            let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
            let upper = utf8.index(lower, offsetBy: range.count)
            return copy[lower..<upper]
        }
    }

    /// The byte ranges of `asciiSplit`'s tokens in UTF-8 `bytes`; nil unless the bytes are ASCII but for `SafeSeparators`.
    static func asciiRanges(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>]? {
        var ranges: [Range<Int>] = []
        var start = -1
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 && ASCIIWord.isWord(b) {
                if start < 0 { start = i }
                i += 1
                continue
            }
            if start >= 0 {
                ranges.append(start..<i)
                start = -1
            }
            if b < 0x80 {
                i += 1
            } else {
                guard let length = SafeSeparators.length(at: i, in: bytes) else { return nil }
                i += length
            }
        }
        if start >= 0 { ranges.append(start..<bytes.count) }
        return ranges
    }
}

extension UInt8 {
    /// The byte with an ASCII capital letter lowercased; any other byte (UTF-8's beyond ASCII included) as it is.
    @inline(__always)
    var asciiLowercased: UInt8 { self &- 0x41 < 26 ? self | 0x20 : self }
}

/// ASCII letters and digits: the word characters of ASCII.
enum ASCIIWord {
    /// The byte lowercased when it is a letter or digit, else nil.
    @inline(__always)
    static func lowered(_ b: UInt8) -> UInt8? {
        if b >= 0x61 && b <= 0x7A || b >= 0x30 && b <= 0x39 { return b }
        if b >= 0x41 && b <= 0x5A { return b + 32 }
        return nil
    }

    @inline(__always)
    static func isWord(_ b: UInt8) -> Bool { lowered(b) != nil }

    /// `token.lowercased()`, byte by byte when the token is ASCII.
    static func lowercased(_ token: Substring) -> String {
        var token = token
        let ascii = token.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count) { buffer in
                for (i, b) in bytes.enumerated() { buffer[i] = b.asciiLowercased }
                return bytes.count
            }
        }
        return ascii ?? token.lowercased()
    }
}

/// Non-ASCII characters common in English news text — no-break space, © ® · « », the General Punctuation
/// block's spaces, dashes, quotes, bullets and ellipsis — that are separators both before and after NFKC,
/// never combine with their neighbours and are grapheme clusters of their own. Text that is ASCII but for
/// these can be split and normalized byte by byte with the same result as the Unicode path.
enum SafeSeparators {
    /// The byte length of the safe separator starting at `i`, or nil when the bytes there are anything else.
    @inline(__always)
    static func length(at i: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let b0 = bytes[i]
        if b0 == 0xC2, i + 1 < bytes.count {
            // U+00A0 no-break space, U+00A9 ©, U+00AB «, U+00AE ®, U+00B7 ·, U+00BB ».
            switch bytes[i + 1] {
            case 0xA0, 0xA9, 0xAB, 0xAE, 0xB7, 0xBB: return 2
            default: return nil
            }
        }
        if b0 == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80 {
            // U+2000…U+2027 are E2 80 80…A7, less U+200B…U+200F (zero-width and direction marks, which
            // are not separators or are format characters).
            let b2 = bytes[i + 2]
            if b2 >= 0x80 && b2 <= 0xA7 && !(b2 >= 0x8B && b2 <= 0x8F) { return 3 }
        }
        return nil
    }
}

/// Up to 16 bytes, ASCII letters lowercased, packed into two words: a tag name, attribute name or short word
/// looked up without making a `String` or hashing through `Hasher`.
struct ShortKey: Equatable, Sendable {
    var low: UInt64 = 0
    var high: UInt64 = 0

    /// Nil for more than 16 bytes.
    @inline(__always)
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= 16 else { return nil }
        for i in 0..<bytes.count { put(bytes[i], at: i) }
    }

    /// The key of a NUL-terminated name; nil for more than 16 bytes.
    @inline(__always)
    init?(cString name: UnsafePointer<UInt8>) {
        var i = 0
        while name[i] != 0 {
            if i == 16 { return nil }
            put(name[i], at: i)
            i += 1
        }
    }

    init(_ text: String) {
        for (i, b) in text.utf8.prefix(16).enumerated() { put(b, at: i) }
    }

    @inline(__always)
    private mutating func put(_ byte: UInt8, at i: Int) {
        let b = UInt64(byte.asciiLowercased)
        if i < 8 { low |= b << (8 * UInt64(i)) } else { high |= b << (8 * UInt64(i - 8)) }
    }

    /// One of `ShortKeyTable.size` slots.
    @inline(__always)
    var slot: Int {
        Int(truncatingIfNeeded: ((low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F)) >> 54)
    }
}

/// A fixed set of short keys and their values, built once: open addressing over 1,024 slots.
struct ShortKeyTable<Value: Sendable>: Sendable {
    static var size: Int { 1024 }
    private var keys: [ShortKey?] = Array(repeating: nil, count: 1024)
    private var values: [Value?] = Array(repeating: nil, count: 1024)

    /// `entries` must be fewer than the slots; a key given twice keeps its last value.
    init(_ entries: [(String, Value)]) {
        for (text, value) in entries {
            let key = ShortKey(text)
            var slot = key.slot
            while let existing = keys[slot], existing != key { slot = (slot + 1) & 1023 }
            keys[slot] = key
            values[slot] = value
        }
    }

    @inline(__always)
    subscript(key: ShortKey) -> Value? {
        var slot = key.slot
        while let existing = keys[slot] {
            if existing == key { return values[slot] }
            slot = (slot + 1) & 1023
        }
        return nil
    }
}
