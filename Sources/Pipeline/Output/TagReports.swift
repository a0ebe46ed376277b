/// `corpusctl tags` as a table: one tag a line, its documents in all and by origin.
public enum TagCountTable {
    public static func render(_ counts: [TagCount], width: Int = 100) -> String {
        let origins = TagOrigin.allCases.map(\.rawValue)
        return TextTable(
            columns: [.init("TAG", flexible: true, minWidth: 12), .init("NAME", flexible: true, minWidth: 12),
                      .init("DOCS", alignRight: true)] + origins.map { .init($0.uppercased(), alignRight: true) },
            rows: counts.map { c in
                [c.slug, c.name, String(c.documents)] + origins.map { c.byOrigin[$0].map(String.init) ?? "-" }
            }
        ).render(width: width)
    }
}

/// Why a document has each of its tags, one line a tag, for `corpusctl show`:
///
///     china: rule — 'Beijing' ×3 in body, 'China' ×1 in title, score 7.0 ≥ 3.0
///     united-states: alias — declared as 'u.s.'
///     drugs: model — p 0.97 ≥ 0.90 from 'fentanyl', 'opioid crisis'; learnt from 40 labelled documents
public enum TagExplanation {
    public static func lines(_ tags: [AssignedTag]) -> [String] {
        tags.sorted { (rank($0.origin), $0.slug) < (rank($1.origin), $1.slug) }.map(line)
    }

    public static func line(_ tag: AssignedTag) -> String {
        let why: String
        switch tag.origin {
        case .explicit: why = tag.evidence ?? "declared"
        case .alias: why = tag.evidence ?? "declared under another name"
        case .folder: why = tag.evidence ?? "inbox folder"
        case .rule, .model: why = tag.evidence ?? tag.score.map { "score \(Tagger.format($0))" } ?? "no explanation stored"
        }
        return "\(tag.slug): \(tag.origin.rawValue) — \(why)"
    }

    private static func rank(_ origin: TagOrigin) -> Int { TagOrigin.allCases.firstIndex(of: origin) ?? 0 }
}
