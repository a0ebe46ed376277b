#if canImport(Glibc)
import Glibc
#endif

/// The shapes news arrives in.
public enum DocumentFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case plainText = "text"
    case html
    case json
    case jsonLines = "jsonl"
    case rss
    case atom

    /// Formats that list several articles: each entry gets its own outcome.
    public var isContainer: Bool {
        switch self {
        case .plainText, .html: return false
        case .json, .jsonLines, .rss, .atom: return true
        }
    }
}

/// What a file is, from its name and its first bytes.
public struct DetectedFormat: Sendable, Hashable {
    public var format: DocumentFormat
    /// The bytes are a gzip stream around `format`.
    public var gzip: Bool
}

/// Decides a file's format by its content first and its extension second: a `.txt` that holds HTML is
/// HTML, and an `.html` that holds an RSS feed is a feed. Pure: name and head bytes in, verdict out.
public enum FormatDetection {
    /// How many leading bytes `detect` wants to see (more is fine, fewer works for small files).
    public static let headSize = 16 * 1024

    public static func detect(name: String, head: ArraySlice<UInt8>) throws(PipelineError) -> DetectedFormat {
        var lowerName = name.lowercased()
        if Inflater.isGzip(head) {
            if lowerName.hasSuffix(".gz") { lowerName.removeLast(3) } else if lowerName.hasSuffix(".tgz") {
                throw .unsupportedFormat("tar archive (.tgz)")
            }
            guard let inner = Inflater.peek(head, upTo: headSize) else { throw .corrupt("gzip: the header is unreadable") }
            if inner.isEmpty { throw .empty }
            let format = try sniff(name: lowerName, head: inner[...])
            return DetectedFormat(format: format, gzip: true)
        }
        if lowerName.hasSuffix(".gz") { throw .corrupt("named .gz but not gzip data") }
        return DetectedFormat(format: try sniff(name: lowerName, head: head), gzip: false)
    }

    /// `detect`'s verdict on a file's name and head, kept with them so that the file is not sniffed
    /// twice: `detect` is pure, so the same name and head bytes get the same verdict.
    public struct Verdict: Sendable {
        public let name: String
        public let head: [UInt8]
        public let result: Result<DetectedFormat, PipelineError>

        public init(name: String, head: [UInt8]) {
            self.name = name
            self.head = head
            result = Result { () throws(PipelineError) in try detect(name: name, head: head[...]) }
        }

        /// The verdict, when `name` and `head` are what it was made on; nil otherwise (the file changed).
        public func reused(name: String, head: ArraySlice<UInt8>) -> Result<DetectedFormat, PipelineError>? {
            guard name == self.name, head.count == self.head.count else { return nil }
            let same = head.withUnsafeBufferPointer { a in self.head.withUnsafeBufferPointer { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
            return same ? result : nil
        }
    }

    private static func sniff(name: String, head: ArraySlice<UInt8>) throws(PipelineError) -> DocumentFormat {
        if head.isEmpty { throw .empty }
        if let magic = binaryKind(head) { throw .unsupportedFormat(magic) }
        // Work on a lowercased ASCII view of the start, past a BOM and white space.
        var start = head.startIndex
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        let utf16 = head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF])
        let text: String
        if utf16 {
            text = TextDecoding.decodeLossy(head).lowercased()
        } else {
            text = String(decoding: TextSearch.asciiLowercased(head[start...].prefix(4096)), as: UTF8.self)
        }
        let trimmed = text.drop(while: { $0.isWhitespace })
        if trimmed.isEmpty { throw .empty }
        let ext = name.split(separator: ".").last.map(String.init) ?? ""

        if startsJSON(trimmed) {
            if ext == "jsonl" || ext == "ndjson" || looksLikeJSONLines(trimmed) { return .jsonLines }
            return .json
        }
        if trimmed.first == "<" {
            if let markup = markupKind(trimmed) { return markup }
            if ["html", "htm", "xhtml", "shtml"].contains(ext) { return .html }
            if ["rss", "atom", "xml"].contains(ext) { throw .unsupportedFormat("XML that is neither an RSS nor an Atom feed") }
        }
        switch ext {
        case "html", "htm", "xhtml", "shtml": return .html
        case "json": return .json
        case "jsonl", "ndjson": return .jsonLines
        case "rss": return .rss
        case "atom": return .atom
        default: break
        }
        if trimmed.hasPrefix("%pdf") { throw .unsupportedFormat("PDF document") }
        if trimmed.hasPrefix("{\\rtf") { throw .unsupportedFormat("RTF document") }
        if let kind = TextShape.unsupportedKind(TextDecoding.decodeLossy(head[start...]), truncated: head.count >= headSize) { throw .unsupportedFormat(kind) }
        return .plainText
    }

    /// Feed or page, by the first element that decides it.
    private static func markupKind(_ substring: Substring) -> DocumentFormat? {
        let text = String(substring)
        func has(_ needle: String) -> Bool { TextSearch.contains(text, needle) }
        // Declared XML is a page or a feed only by its root element: an XML catalogue may well hold a <title>.
        if text.hasPrefix("<?xml"), let root = TextShape.rootElement(text), !["html", "rss", "rdf:rdf", "feed"].contains(root) {
            return nil
        }
        if has("<rss") || has("<rdf:rdf") { return .rss }
        if has("<feed") && (has("http://www.w3.org/2005/atom") || !has("<html")) { return .atom }
        if text.hasPrefix("<!doctype html") || has("<html") || has("<head") || has("<body") || has("<meta")
            || has("<title") || has("<div") || has("<p>") || has("<article")
        {
            return .html
        }
        return nil
    }

    /// Whether the text (lowercased, past white space) begins as a JSON object or array does: `{` then a key or
    /// `}`; `[` then an object, an array, `]`, or a list of scalars (strings, numbers, `true`/`false`/`null`)
    /// that is either still open at the end of the first line or closes with nothing but white space after it.
    /// A bracket that opens ordinary text is not enough: an INI file's `[section]`, a headline such as
    /// `[Updated] Port vote…` or `[1/3] …` reads as text.
    static func startsJSON(_ text: Substring) -> Bool {
        // Most text starts with neither: no copy of its bytes for it.
        guard let first = text.utf8.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return false }
        let bytes = Array(text.utf8)
        var i = 0
        func at(_ c: Unicode.Scalar) -> Bool { i < bytes.count && bytes[i] == UInt8(ascii: c) }
        func skipSpace(newlines: Bool) {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D || (newlines && bytes[i] == 0x0A) { i += 1 }
        }
        guard at("{") || at("[") else { return false }
        let object = at("{")
        i += 1
        skipSpace(newlines: true)
        guard i < bytes.count else { return true }  // `{` or `[` alone: a cut-off head of a JSON value
        if object { return at("\"") || at("}") }
        if at("{") || at("[") || at("]") { return true }
        // A list of scalars: read them on the first line.
        while true {
            guard let end = scalarEnd(bytes, from: i) else { return false }
            i = end
            skipSpace(newlines: false)
            guard i < bytes.count, !at("\n") else { return true }  // goes on past the first line
            if at("]") {
                i += 1
                skipSpace(newlines: true)
                return i == bytes.count
            }
            guard at(",") else { return false }
            i += 1
            skipSpace(newlines: false)
            guard i < bytes.count, !at("\n") else { return true }
        }
    }

    /// Where a JSON string, number or literal that starts at `start` ends; nil when none starts there.
    private static func scalarEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start
        func at(_ c: Unicode.Scalar) -> Bool { i < bytes.count && bytes[i] == UInt8(ascii: c) }
        func delimited() -> Int? {
            i == bytes.count || [0x2C, 0x5D, 0x20, 0x09, 0x0D, 0x0A].contains(bytes[i]) ? i : nil  // , ] space tab CR LF
        }
        if at("\"") {
            i += 1
            while i < bytes.count, !at("\n") {
                if at("\\") {
                    i += 1
                } else if at("\"") {
                    return i + 1
                }
                i += 1
            }
            return nil
        }
        for literal in ["true", "false", "null"] where bytes[i...].starts(with: literal.utf8) {
            i += literal.utf8.count
            return delimited()
        }
        // -?digits(.digits)?(e[+-]?digits)?, then a delimiter.
        func digits() -> Bool {
            let from = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i > from
        }
        if at("-") { i += 1 }
        guard digits() else { return nil }
        if at(".") {
            i += 1
            guard digits() else { return nil }
        }
        if at("e") {
            i += 1
            if at("+") || at("-") { i += 1 }
            guard digits() else { return nil }
        }
        return delimited()
    }

    /// Two lines that each start a JSON object.
    private static func looksLikeJSONLines(_ text: Substring) -> Bool {
        let lines = text.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: true)
        guard lines.count >= 2 else { return false }
        let first = lines[0].trimmingCharacters(in: .whitespaces)
        let second = lines[1].trimmingCharacters(in: .whitespaces)
        return first.hasPrefix("{") && first.hasSuffix("}") && second.hasPrefix("{")
    }

    /// Well-known binary formats, named so the failure reason is useful.
    private static func binaryKind(_ head: ArraySlice<UInt8>) -> String? {
        let signatures: [([UInt8], String)] = [
            ([0x50, 0x4B, 0x03, 0x04], "zip archive"), ([0x25, 0x50, 0x44, 0x46], "PDF document"),
            ([0x89, 0x50, 0x4E, 0x47], "PNG image"), ([0xFF, 0xD8, 0xFF], "JPEG image"),
            ([0x47, 0x49, 0x46, 0x38], "GIF image"), ([0x42, 0x5A, 0x68], "bzip2 data"),
            ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz data"), ([0x28, 0xB5, 0x2F, 0xFD], "zstd data"),
            ([0x7F, 0x45, 0x4C, 0x46], "ELF executable"), ([0x53, 0x51, 0x4C, 0x69, 0x74, 0x65], "SQLite database"),
        ]
        for (magic, name) in signatures where head.starts(with: magic) { return name }
        return nil
    }
}
