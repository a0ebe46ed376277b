import Foundation

/// A JSON object written straight into bytes, the same bytes `JSONEncoder.corpus` writes for it: members in the order
/// they are added (the caller adds them sorted, as `.sortedKeys` sorts them), strings escaped as Foundation escapes them
/// (`"` and `\`, `\b \t \n \f \r`, other controls as `\u00xx`; slashes and everything else as they are), dates as ISO
/// 8601 in UTC to the whole second (rounded down). Given an indent, laid out as the encoder's `.prettyPrinted` lays it
/// out, the object's own lines `indent` spaces in (`JSONArrayWriter`'s elements: 2). For records written by the
/// million: `corpusctl export` of 688 k documents spent most of its 41 s in the encoder's generic machinery (key
/// conversion, boxing, a fresh encoder per line).
struct JSONLine {
    private(set) var bytes: [UInt8] = []
    private var members = 0
    /// Spaces before the object's closing brace; nil: on one line.
    private let indent: Int?

    init(capacity: Int = 256, indent: Int? = nil) {
        self.indent = indent
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// The object closed, with a line ending.
    mutating func finished() -> String {
        String(decoding: finishedBytes() + [0x0A], as: UTF8.self)
    }

    /// The object closed.
    mutating func finishedBytes() -> [UInt8] {
        if let indent { newline(indent) }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private mutating func newline(_ spaces: Int) {
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: spaces))
    }

    mutating func member(_ key: StaticString, _ value: String) {
        open(key)
        string(value)
    }

    mutating func member(_ key: StaticString, _ value: String?) {
        open(key)
        if let value { string(value) } else { null() }
    }

    mutating func member(_ key: StaticString, _ value: Int64) {
        open(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func member(_ key: StaticString, _ value: Int64?) {
        open(key)
        if let value { bytes.append(contentsOf: String(value).utf8) } else { null() }
    }

    mutating func member(_ key: StaticString, _ values: [String]) {
        open(key)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            if let indent { newline(indent + 4) }
            string(value)
        }
        if let indent {
            // The encoder writes an empty array as two line breaks.
            if values.isEmpty { bytes.append(0x0A) }
            newline(indent + 2)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func member(_ key: StaticString, _ date: Date) {
        open(key)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: Self.iso8601(date).utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func open(_ key: StaticString) {
        if members > 0 { bytes.append(UInt8(ascii: ",")) }
        members += 1
        if let indent { newline(indent + 2) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: indent == nil ? [UInt8(ascii: ":")] : Array(" : ".utf8))
    }

    private mutating func null() {
        bytes.append(contentsOf: "null".utf8)
    }

    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { text in
            var start = 0
            for (index, byte) in text.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index]))
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// "2026-12-05T18:00:37Z". From 1900 to 9999 computed here (the proleptic Gregorian calendar, which Foundation's
    /// agrees with after 1582); outside, Foundation's own formatter (its calendar turns Julian before 1582).
    static func iso8601(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= -2_208_988_800, seconds < 253_402_300_800 else {
            return Timestamps.iso(date)
        }
        let total = Int64(seconds)
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let clock = Int(total - days * 86_400)
        let (year, month, day) = CivilDate.of(daysSince1970: days)
        var text = [UInt8]()
        text.reserveCapacity(20)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4); text.append(UInt8(ascii: "-")); digits(month, 2); text.append(UInt8(ascii: "-")); digits(day, 2)
        text.append(UInt8(ascii: "T"))
        digits(clock / 3_600, 2); text.append(UInt8(ascii: ":")); digits(clock / 60 % 60, 2); text.append(UInt8(ascii: ":"))
        digits(clock % 60, 2)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }
}
