/// Which decoding turned the bytes into text.
public enum TextEncodingUsed: String, Sendable, Codable {
    case utf8 = "utf-8"
    /// The bytes were not valid UTF-8; they were read as Windows-1252, the usual culprit.
    case windows1252 = "windows-1252"
}

public struct DecodedText: Sendable, Hashable {
    public var text: String
    public var encoding: TextEncodingUsed
}

/// Bytes → text. UTF-8 first (a BOM is dropped); invalid UTF-8 falls back to Windows-1252 rather than failing.
public enum TextDecoding {
    public static func decode(_ bytes: [UInt8]) throws(PipelineError) -> DecodedText {
        if bytes.isEmpty { throw .empty }
        if let nul = bytes.firstIndex(of: 0) { throw .binary(offset: nul) }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let text = String(validating: body, as: UTF8.self) {
            return try checked(DecodedText(text: text, encoding: .utf8))
        }
        return try checked(DecodedText(text: windows1252(body), encoding: .windows1252))
    }

    /// A file of whitespace, or one that is mostly control characters, is not an article.
    private static func checked(_ decoded: DecodedText) throws(PipelineError) -> DecodedText {
        var visible = 0
        var control = 0
        for scalar in decoded.text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D, 0x20: continue
            case 0x01...0x1F, 0x7F: control += 1
            default: visible += 1
            }
        }
        if visible == 0 && control == 0 { throw .empty }
        if control * 10 > visible { throw .binary(offset: 0) }
        return decoded
    }

    // Windows-1252 differs from Latin-1 only in 0x80–0x9F.
    private static let high: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    static func windows1252<C: Collection<UInt8>>(_ bytes: C) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? high[Int(byte) - 0x80] : UInt32(byte)
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }
}
