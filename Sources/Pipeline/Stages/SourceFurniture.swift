/// What the corpus has learned about each source's page furniture: lines that recur across many stored
/// documents of one source (a publisher's template sentence that no built-in rule names). A value the
/// ingestor takes from the store and hands to the pipeline, so the stages stay pure.
public struct SourceFurniture: Sendable, Hashable {
    /// A line is furniture once this many stored documents of its source carried it: a sentence that two
    /// stories happen to share is not.
    public static let minimumDocuments = 3

    private var lines: [String: Set<Int64>]

    public init(_ lines: [String: Set<Int64>] = [:]) {
        self.lines = lines.filter { !$0.value.isEmpty }
    }

    public var isEmpty: Bool { lines.isEmpty }

    /// The line hashes known as furniture of `source`.
    public func lines(of source: String?) -> Set<Int64> {
        guard let source, !lines.isEmpty else { return [] }
        return lines[Self.key(source)] ?? []
    }

    /// How a source is named in the table: case and spacing do not make another source.
    public static func key(_ source: String) -> String {
        Normalizer.normalize(source)
    }

    /// A line's identity across documents: its normalized text, hashed (8 bytes of SHA-256).
    public static func hash(_ line: String) -> Int64? {
        let normalized = Normalizer.normalize(line)
        guard !normalized.isEmpty else { return nil }
        let digest = Digest.sha256(normalized).bytes
        return digest.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    /// The distinct line hashes of a stored document's body, as the store counts them (at most `limit`).
    public static func hashes(of paragraphs: [String], limit: Int = 400) -> [Int64] {
        var seen = Set<Int64>()
        var out: [Int64] = []
        for paragraph in paragraphs where out.count < limit {
            if let hash = hash(paragraph), seen.insert(hash).inserted { out.append(hash) }
        }
        return out
    }
}
