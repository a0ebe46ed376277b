import CBytes
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which decoding turned the bytes into text.
public enum TextEncodingUsed: String, Sendable, Codable {
    case utf8 = "utf-8"
    /// The bytes were not valid UTF-8; they were read as Windows-1252, the usual culprit
    /// (also what ISO-8859-1 and US-ASCII labels mean in practice, as browsers read them).
    case windows1252 = "windows-1252"
    case utf16le = "utf-16le"
    case utf16be = "utf-16be"
    case windows1250 = "windows-1250"
    case windows1251 = "windows-1251"
    case shiftJIS = "shift_jis"
    case eucJP = "euc-jp"

    /// A charset label as pages write it (`UTF-8`, `iso-8859-1`, `cp1251`) → the decoding used for it.
    public init?(label: String) {
        let l = label.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"';")).lowercased()
        switch l {
        case "utf-8", "utf8", "unicode-1-1-utf-8": self = .utf8
        case "windows-1252", "cp1252", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii",
             "iso-8859-15", "x-cp1252":
            self = .windows1252
        case "utf-16le": self = .utf16le
        case "utf-16be", "utf-16": self = .utf16be
        case "windows-1250", "cp1250", "iso-8859-2": self = .windows1250
        case "windows-1251", "cp1251": self = .windows1251
        case "shift_jis", "shift-jis", "sjis", "windows-31j", "cp932": self = .shiftJIS
        case "euc-jp": self = .eucJP
        default: return nil
        }
    }
}

public struct DecodedText: Sendable, Hashable {
    public var text: String
    public var encoding: TextEncodingUsed
}

/// Bytes → text. A byte-order mark decides first; then a declared charset (a page's `<meta charset>`, a
/// feed's XML declaration) is believed only when the bytes agree with it: a page declaring ISO-8859-1 whose
/// bytes are valid multi-byte UTF-8 is UTF-8, and one declaring UTF-8 whose bytes are not is Windows-1252.
/// With no declaration: UTF-8 when valid, else Windows-1252 rather than failing.
public enum TextDecoding {
    public static func decode(_ bytes: [UInt8], declared: String? = nil) throws(PipelineError) -> DecodedText {
        switch try decodeKeepingUTF8(bytes, declared: declared) {
        case .utf8(let body): return DecodedText(text: String(decoding: body, as: UTF8.self), encoding: .utf8)
        case .text(let decoded): return decoded
        }
    }

    /// What `decode` reads: UTF-8 bytes, or text decoded from another encoding.
    enum Decoded {
        /// The input (without its byte-order mark) is valid UTF-8: its own bytes, not copied.
        case utf8(ArraySlice<UInt8>)
        case text(DecodedText)
    }

    /// `decode`, for a caller that wants UTF-8 bytes (a parser): the same decision and the same errors, but
    /// UTF-8 input is handed back as it is, with no `String` made of it.
    static func decodeKeepingUTF8(_ bytes: [UInt8], declared: String? = nil) throws(PipelineError) -> Decoded {
        if bytes.isEmpty { throw .empty }
        if bytes.starts(with: [0xFF, 0xFE]) { return .text(try checked(utf16(bytes.dropFirst(2), littleEndian: true))) }
        if bytes.starts(with: [0xFE, 0xFF]) { return .text(try checked(utf16(bytes.dropFirst(2), littleEndian: false))) }
        if let nul = bytes.withUnsafeBufferPointer({ b in memchr(b.baseAddress!, 0, b.count).map { b.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } }) {
            throw .binary(offset: nul)
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let label = declared.flatMap(TextEncodingUsed.init(label:))
        switch label {
        case .windows1250, .windows1251, .shiftJIS, .eucJP:
            // A declared legacy charset is believed unless the bytes are plainly UTF-8.
            if !hasMultibyteUTF8(body), let text = foundationDecode(body, label!) {
                return .text(try checked(DecodedText(text: text, encoding: label!)))
            }
        default:
            break
        }
        if body.withUnsafeBufferPointer(isValidUTF8) {
            if let failure = body.withUnsafeBufferPointer(visibleAndControlFailure) { throw failure }
            return .utf8(body)
        }
        return .text(try checked(DecodedText(text: windows1252(body), encoding: .windows1252)))
    }

    /// Is this well-formed UTF-8 (RFC 3629: shortest forms, no surrogates, nothing past U+10FFFF), as
    /// `String(validating:as:)` judges it? Runs of ASCII are passed over eight bytes at a time.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        let n = bytes.count
        var i = 0
        while i < n {
            if i + 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b = base[i]
            if b < 0x80 {
                i += 1
                continue
            }
            // RFC 3629's table: the sequence's length by its lead byte, and the range of its second byte (narrower
            // after E0, ED, F0 and F4: no overlong forms, no surrogates, nothing past U+10FFFF); every later byte
            // is a continuation byte.
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return false
            }
            switch b {
            case 0xE0: low = 0xA0
            case 0xED: high = 0x9F
            case 0xF0: low = 0x90
            case 0xF4: high = 0x8F
            default: break
            }
            guard i + length <= n, base[i + 1] >= low, base[i + 1] <= high else { return false }
            for k in (i + 2)..<(i + length) where base[k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }

    /// Best-effort text for sniffing: never fails.
    static func decodeLossy(_ bytes: ArraySlice<UInt8>) -> String {
        if bytes.starts(with: [0xFF, 0xFE]) { return utf16(bytes.dropFirst(2), littleEndian: true).text }
        if bytes.starts(with: [0xFE, 0xFF]) { return utf16(bytes.dropFirst(2), littleEndian: false).text }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) -> DecodedText {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
            units.append(littleEndian ? a | b << 8 : a << 8 | b)
            i += 2
        }
        return DecodedText(text: String(decoding: units, as: UTF16.self), encoding: littleEndian ? .utf16le : .utf16be)
    }

    /// Valid UTF-8 with at least one multi-byte sequence: vanishingly unlikely to be a legacy 8-bit text.
    static func hasMultibyteUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.contains(where: { $0 >= 0x80 }) && String(validating: bytes, as: UTF8.self) != nil
    }

    private static func foundationDecode(_ bytes: ArraySlice<UInt8>, _ encoding: TextEncodingUsed) -> String? {
        let e: String.Encoding
        switch encoding {
        case .windows1250: e = .windowsCP1250
        case .windows1251: e = .windowsCP1251
        case .shiftJIS: e = .shiftJIS
        case .eucJP: e = .japaneseEUC
        default: return nil
        }
        return String(data: Data(bytes), encoding: e)
    }

    /// A file of whitespace, or one that is mostly control characters, is not an article.
    private static func checked(_ decoded: DecodedText) throws(PipelineError) -> DecodedText {
        var text = decoded.text
        if let failure = text.withUTF8(visibleAndControlFailure) { throw failure }
        return decoded
    }

    /// What `checked(counts:)` of the bytes' counts throws, if anything; counted only when the bytes hold a control
    /// character: without one, only text that is all white space fails, and the first visible byte settles it.
    static func visibleAndControlFailure(_ bytes: UnsafeBufferPointer<UInt8>) -> PipelineError? {
        if containsControl(bytes) {
            do throws(PipelineError) { try checked(counts: countVisibleAndControl(bytes)) } catch { return error }
            return nil
        }
        // No control byte: every byte but tab, line feed, carriage return, space and continuation bytes is visible.
        let visible = bytes.contains { (b: UInt8) -> Bool in
            switch b {
            case 0x09, 0x0A, 0x0D, 0x20, 0x80...0xBF: return false
            default: return true
            }
        }
        return visible ? nil : .empty
    }

    /// Does any byte count as a control character for `countVisibleAndControl` (0x01–0x1F but tab, line feed and carriage
    /// return, and 0x7F)? In C, whose compiler reads the bytes in vectors (`CBytes`): the page's markup is full of tabs and
    /// line feeds, which sent most words of the eight-byte path it replaced (`containsControlByWords`, held against it in
    /// the tests) to three further compares.
    static func containsControl(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return corpusd_contains_control(base, bytes.count)
    }

    /// `containsControl` eight bytes at a time: a word with no byte below 0x20 and no 0x7F has none, which is most words
    /// of a page; a word with a byte below 0x20 that is no tab, line feed or carriage return is read byte by byte.
    static func containsControlByWords(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func isControl(_ b: UInt8) -> Bool { (b >= 0x01 && b <= 0x1F && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F }
        guard let base = bytes.baseAddress else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones &* 0x80, low7 = ones &* 0x7F
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= bytes.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // High bit of a lane set when its byte is below 0x20, or is `byte` (exact: no carry leaves a lane).
            let below20 = ~(((w & low7) &+ ones &* 0x60) | w) & high
            func lanesEqual(_ byte: UInt8) -> UInt64 {
                let x = w ^ (ones &* UInt64(byte))
                return ~(((x & low7) &+ low7) | x) & high
            }
            var odd = lanesEqual(0x7F)
            if below20 != 0 { odd |= below20 & ~(lanesEqual(0x09) | lanesEqual(0x0A) | lanesEqual(0x0D)) }
            if odd != 0, (0..<8).contains(where: { isControl(base[i + $0]) }) { return true }
            i += 8
        }
        while i < bytes.count {
            if isControl(base[i]) { return true }
            i += 1
        }
        return false
    }

    /// `checked` on the counts of the text's UTF-8 bytes (every scalar has exactly one byte that is not a
    /// continuation byte).
    private static func checked(counts: (visible: Int, control: Int)) throws(PipelineError) {
        let (visible, control) = counts
        if visible == 0 && control == 0 { throw .empty }
        if control * 10 > visible { throw .controlCharacters(count: control, visible: visible) }
    }

    /// Skipped: tab, line feed, carriage return, space and continuation bytes (0x80–0xBF); control: 0x01–0x1F
    /// and 0x7F but those; visible: every other byte. Eight bytes at a time, each byte in a lane of a `UInt64`:
    /// a word with no byte below 0x20 and no 0x7F (most of a page) has its visible bytes counted in the lanes,
    /// which are added up every 255 words; other words byte by byte.
    static func countVisibleAndControl(_ bytes: UnsafeBufferPointer<UInt8>) -> (visible: Int, control: Int) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones &* 0x80, low7 = ones &* 0x7F
        var visible = 0
        var control = 0
        var lanes: UInt64 = 0
        var words = 0
        func addLanes() {
            for k in 0..<8 { visible += Int((lanes >> (8 * UInt64(k))) & 0xFF) }
            lanes = 0
            words = 0
        }
        func countOne(_ byte: UInt8) {
            switch byte {
            case 0x09, 0x0A, 0x0D, 0x20, 0x80...0xBF: break
            case 0x01...0x1F, 0x7F: control += 1
            default: visible += 1
            }
        }
        var i = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= bytes.count {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // High bit of a lane set when its byte is below 0x20 (exact: no carry leaves a lane).
                let below20 = ~(((w & low7) &+ ones &* 0x60) | w) & high
                let x7F = w ^ low7
                let is7F = ~(((x7F & low7) &+ low7) | x7F) & high
                if below20 | is7F != 0 {
                    for k in 0..<8 { countOne(base[i + k]) }
                } else {
                    let continuation = w & ~(w << 1) & high
                    let x20 = w ^ (ones &* 0x20)
                    let notSpace = ((x20 & low7) &+ low7) | x20
                    lanes &+= (notSpace & ~continuation & high) >> 7
                    words += 1
                    if words == 255 { addLanes() }
                }
                i += 8
            }
        }
        addLanes()
        while i < bytes.count {
            countOne(bytes[i])
            i += 1
        }
        return (visible, control)
    }

    // Windows-1252 differs from Latin-1 only in 0x80–0x9F.
    private static let high: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    static func windows1252<C: Collection<UInt8>>(_ bytes: C) -> String {
        // Written as UTF-8 bytes: every value is below U+10000, two bytes from U+0080 on, three from U+0800.
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count + bytes.count / 2)
        for byte in bytes {
            if byte < 0x80 {
                utf8.append(byte)
                continue
            }
            let value = (0x80...0x9F).contains(byte) ? high[Int(byte) - 0x80] : UInt32(byte)
            if value < 0x800 {
                utf8.append(UInt8(0xC0 | value >> 6))
            } else {
                utf8.append(UInt8(0xE0 | value >> 12))
                utf8.append(UInt8(0x80 | (value >> 6) & 0x3F))
            }
            utf8.append(UInt8(0x80 | value & 0x3F))
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}
