#if canImport(Glibc)
import Glibc
#endif

/// Native replacements for the Foundation string calls the line classifier makes on every line, which
/// bridge through NSString and cost most of the pipeline's time.
enum TextSearch {
    /// True when `needle` occurs in `haystack`, compared byte for byte in UTF-8 (a literal search, as
    /// Foundation's `contains` is for the ASCII phrases the classifier looks for). False for an empty needle.
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard !n.isEmpty, h.count >= n.count, let hay = h.baseAddress, let pin = n.baseAddress else { return false }
                // memchr to each candidate first byte, memcmp the rest (memmem needs _GNU_SOURCE).
                let last = h.count - n.count
                var from = 0
                while from <= last {
                    guard let hit = memchr(hay + from, Int32(pin.pointee), last - from + 1) else { return false }
                    let at = hay.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(hay + at, pin, n.count) == 0 { return true }
                    from = at + 1
                }
                return false
            }
        }
    }

    /// Every occurrence of `needle` (not empty) in `text`, left to right and not overlapping, replaced by
    /// `replacement`, comparing bytes.
    static func replacingAll(_ needle: String, in text: String, with replacement: String) -> String {
        let n = Array(needle.utf8)
        let r = Array(replacement.utf8)
        var copy = text
        let out = copy.withUTF8 { bytes -> [UInt8] in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                if bytes.count - i >= n.count, memcmp(bytes.baseAddress! + i, n, n.count) == 0 {
                    out += r
                    i += n.count
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            return out
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text.hasPrefix(prefix)` for an ASCII `prefix`, over the bytes: a byte match counts unless a non-ASCII
    /// scalar follows it (which may join the prefix's last character), where the Character comparison decides.
    static func hasPrefix(_ text: String, _ prefix: String) -> Bool {
        let t = text.utf8, p = prefix.utf8
        guard t.starts(with: p) else { return false }
        let next = t.index(t.startIndex, offsetBy: p.count)
        if next == t.endIndex || t[next] < 0x80 { return true }
        return text.hasPrefix(prefix)
    }

    /// ASCII letters lowercased, other bytes as they are: for matching markup keywords in raw bytes.
    static func asciiLowercased<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
        // Contiguous bytes (an array, a slice of one) in one loop over raw buffers, which the compiler runs
        // many bytes at a time; `map` went byte by byte through the collection's indices.
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            [UInt8](unsafeUninitializedCapacity: buffer.count) { out, count in
                for i in 0..<buffer.count {
                    let b = buffer[i]
                    out[i] = b.asciiLowercased
                }
                count = buffer.count
            }
        }
        return contiguous ?? bytes.map { $0.asciiLowercased }
    }

    /// Where `needle` (ASCII, not empty) first occurs in `bytes`.
    static func firstIndex(of needle: String, in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { firstIndex(of: needle, in: $0) }
    }

    static func firstIndex(of needle: String, in hb: UnsafeBufferPointer<UInt8>) -> Int? {
        firstIndex(of: Array(needle.utf8), in: hb)
    }

    static func firstIndex(of n: [UInt8], in hb: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !n.isEmpty, hb.count >= n.count, let hay = hb.baseAddress else { return nil }
        return n.withUnsafeBufferPointer { nb in
            let last = hb.count - nb.count
            var from = 0
            while from <= last {
                guard let hit = memchr(hay + from, Int32(nb[0]), last - from + 1) else { return nil }
                let at = hay.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(hay + at, nb.baseAddress!, nb.count) == 0 { return at }
                from = at + 1
            }
            return nil
        }
    }

    /// The text without leading and trailing white space, as `trimmingCharacters(in: .whitespaces)`
    /// gives it: Unicode space separators (general category Zs) and the tab.
    static func trimmingWhitespace(_ text: Substring) -> String {
        let scalars = text.unicodeScalars
        var lower = scalars.startIndex
        var upper = scalars.endIndex
        while lower < upper, isSpace(scalars[lower]) { lower = scalars.index(after: lower) }
        while lower < upper {
            let last = scalars.index(before: upper)
            guard isSpace(scalars[last]) else { break }
            upper = last
        }
        return String(scalars[lower..<upper])
    }

    static func trimmingWhitespace(_ text: String) -> String {
        trimmingWhitespace(text[...])
    }

    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || scalar == "\t" }
        return scalar.properties.generalCategory == .spaceSeparator
    }

    /// How many scalars of `text` are alphabetic. Over the bytes for text of ASCII, U+0080–U+00FF (alphabetic: ª, µ,
    /// º and U+00C0–U+00FF but × and ÷) and U+2000–U+203F (none); scalar by scalar else.
    static func letterCount(_ text: String) -> Int {
        var count = 0
        var text = text
        let overBytes = text.withUTF8 { bytes -> Bool in
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x80 {
                    let folded = b | 0x20
                    if folded >= 0x61 && folded <= 0x7A { count += 1 }
                    i += 1
                } else if b == 0xC3, i + 1 < bytes.count {
                    if bytes[i + 1] != 0x97 && bytes[i + 1] != 0xB7 { count += 1 }
                    i += 2
                } else if b == 0xC2, i + 1 < bytes.count {
                    if bytes[i + 1] == 0xAA || bytes[i + 1] == 0xB5 || bytes[i + 1] == 0xBA { count += 1 }
                    i += 2
                } else if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80 {
                    i += 3
                } else {
                    return false
                }
            }
            return true
        }
        if overBytes { return count }
        count = 0
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let folded = scalar.value | 0x20
                if folded >= 0x61 && folded <= 0x7A { count += 1 }
            } else if scalar.properties.isAlphabetic {
                count += 1
            }
        }
        return count
    }

    /// `text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)`, over the UTF-8 bytes.
    /// Exact for any text: a line break is always a grapheme cluster of its own (CR LF being one).
    static func lines(_ text: String) -> [Substring] {
        var copy = text
        let bounds = copy.withUTF8(lineBounds)
        return slices(of: copy, bounds)
    }

    /// The UTF-8 byte bounds of `lines`' pieces.
    static func lineBounds(_ bytes: UnsafeBufferPointer<UInt8>) -> [(Int, Int)] {
        var bounds: [(Int, Int)] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var length = 0
            switch b {
            case 0x0A, 0x0B, 0x0C: length = 1
            case 0x0D: length = i + 1 < bytes.count && bytes[i + 1] == 0x0A ? 2 : 1
            case 0xC2 where i + 1 < bytes.count && bytes[i + 1] == 0x85: length = 2  // U+0085
            case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                length = 3  // U+2028, U+2029
            default: break
            }
            if length > 0 {
                bounds.append((start, i))
                i += length
                start = i
            } else {
                i += 1
            }
        }
        bounds.append((start, bytes.count))
        return bounds
    }

    /// `text.split(whereSeparator: \.isWhitespace)` for text that is ASCII but for `SafeSeparators`
    /// (each a grapheme cluster of its own) and the letters of Latin-1 and Latin Extended-A/B (U+00A1…U+024F:
    /// never white space, never joined to what precedes them), over the bytes; the Character-level split
    /// for other text.
    static func words(_ text: String) -> [Substring] {
        var copy = text
        let bounds = copy.withUTF8 { bytes -> [(Int, Int)]? in
            var bounds: [(Int, Int)] = []
            var start = -1
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                var length = 1
                var space = false
                if b < 0x80 {
                    space = b == 0x20 || (b >= 0x09 && b <= 0x0D)
                } else if let n = SafeSeparators.length(at: i, in: bytes) {
                    length = n
                    // U+00A0 and U+2000…U+200A are white space; the other safe separators are not.
                    space = (b == 0xC2 && bytes[i + 1] == 0xA0) || (b == 0xE2 && bytes[i + 2] <= 0x8A)
                } else if i + 1 < bytes.count, (b == 0xC2 && bytes[i + 1] >= 0xA1) || (b >= 0xC3 && b <= 0xC8)
                    || (b == 0xC9 && bytes[i + 1] <= 0x8F)
                {
                    length = 2  // U+00A1…U+024F
                } else {
                    return nil
                }
                if space {
                    if start >= 0 { bounds.append((start, i)) }
                    start = -1
                } else if start < 0 {
                    start = i
                }
                i += length
            }
            if start >= 0 { bounds.append((start, bytes.count)) }
            return bounds
        }
        guard let bounds else { return text.split(whereSeparator: \.isWhitespace) }
        return slices(of: copy, bounds)
    }

    /// `text.split(separator: " ").count`: the runs of characters between lone spaces, counted over the bytes.
    /// A space byte is a `Character` of its own unless the scalar before it joins what follows (a prepended
    /// concatenation mark) or the scalar after it joins what precedes (a combining mark, a joiner). No other
    /// grapheme rule can join a space, so its two neighbours decide; one beyond ASCII is asked of the standard
    /// library's character breaking on the pair.
    static func spaceSeparatedCount(_ text: String) -> Int {
        var copy = text
        return copy.withUTF8 { bytes in
            var count = 0
            var inRun = false
            for i in bytes.indices {
                if bytes[i] == 0x20 && isLoneSpace(bytes, at: i) {
                    inRun = false
                } else if !inRun {
                    inRun = true
                    count += 1
                }
            }
            return count
        }
    }

    private static func isLoneSpace(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        if i + 1 < bytes.count, bytes[i + 1] >= 0x80 {
            var end = i + 2
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            if String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self).count == 1 { return false }
        }
        if i > 0, bytes[i - 1] >= 0x80 {
            var start = i - 1
            while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
            if String(decoding: UnsafeBufferPointer(rebasing: bytes[start...i]), as: UTF8.self).count == 1 { return false }
        }
        return true
    }

    private static func slices(of text: String, _ bounds: [(Int, Int)]) -> [Substring] {
        let utf8 = text.utf8
        return bounds.map { bound in
            let lower = utf8.index(utf8.startIndex, offsetBy: bound.0)
            return text[lower..<utf8.index(lower, offsetBy: bound.1 - bound.0)]
        }
    }
}
