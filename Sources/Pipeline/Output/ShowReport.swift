import Foundation

/// What `corpusctl show ID` reports: every field of the document, its tags with their origins, and every
/// file that delivered it. Its JSON form is a stable contract: fields are only ever added.
///
/// Other concerns (near-duplicates, related stories, tag explanations) extend it with an optional property,
/// filled by the command when it has the data, encoded with `encodeIfPresent`, and a `ShowSection` added to
/// `sections` — one line each, so that concurrent additions do not collide.
public struct ShowReport: Sendable, Encodable {
    public var document: DocumentDetail
    public var tags: [AssignedTag]
    public var provenance: [QueueEntry]
    /// Duplicates, related documents and story (`CorpusDatabase.kinship(of:)`), when read.
    public var kinship: DocumentKinship?

    public init(document: DocumentDetail, tags: [AssignedTag], provenance: [QueueEntry]) {
        self.document = document
        self.tags = tags
        self.provenance = provenance
    }

    private enum CodingKeys: String, CodingKey {
        case tags, provenance
        case duplicates, related, story
    }

    private struct TagEntry: Encodable {
        var slug: String
        var name: String
        var origin: String
        @NullEncoded var score: Double?
        @NullEncoded var evidence: String?
    }

    public func encode(to encoder: any Encoder) throws {
        // The document's own fields at the top level, beside tags with their origins, provenance and kinship.
        try DocumentRecord(document, itemID: true, tags: false).encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tags.map { TagEntry(slug: $0.slug, name: $0.name, origin: $0.origin.rawValue, score: $0.score,
                                         evidence: $0.evidence) }, forKey: .tags)
        try c.encode(provenance, forKey: .provenance)
        if let kinship {
            try c.encode(kinship.duplicates, forKey: .duplicates)
            try c.encode(kinship.related, forKey: .related)
            try c.encode(kinship.story, forKey: .story)
        }
    }

    /// The sections between the header and the body, in order. Add a concern's section here, one per line.
    public var sections: [ShowSection?] {
        [
            tagsSection,
            provenanceSection,
            kinship.map(DuplicateReports.duplicatesSection),
            kinship.map(DuplicateReports.relatedSection),
            kinship.flatMap(DuplicateReports.storySection),
        ]
    }

    /// The human form: the fields, each section, then the body wrapped to `width`.
    public func render(width: Int, style: TextStyle) -> String {
        let d = document
        var fields: [(String, String)] = [
            ("title", d.title),
            ("source", d.source ?? "-"),
            ("published", d.published ?? "-"),
            ("byline", d.byline ?? "-"),
            ("url", d.url ?? "-"),
            ("words", String(d.wordCount)),
            ("encoding", d.encoding),
            ("file", d.file),
            ("ingested", Timestamps.iso(d.ingestedAt)),
        ]
        if let summary = d.summary { fields.append(("summary", summary)) }
        let labelWidth = fields.map(\.0.count).max() ?? 0
        let indent = String(repeating: " ", count: labelWidth + 2)
        var out = [style.bold("document \(d.id)")]
        for (label, value) in fields {
            let wrapped = TextWrap.wrap(value, width: width, indent: indent)
            out.append(label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + "  "
                + wrapped.dropFirst(indent.count))
        }
        for section in sections.compactMap({ $0 }) {
            out.append("")
            out.append(style.bold(section.title))
            // Long lines wrap under themselves, indented past the first.
            out.append(contentsOf: section.lines.map { "  " + TextWrap.wrap($0, width: width, indent: "    ").dropFirst(4) })
        }
        out.append("")
        out.append(TextWrap.wrap(d.body, width: width))
        return out.joined(separator: "\n")
    }

    var tagsSection: ShowSection? {
        ShowSection(title: "tags", lines: tags.isEmpty ? ["(none)"] : TagExplanation.lines(tags))
    }

    var provenanceSection: ShowSection? {
        ShowSection(title: "delivered by", lines: provenance.map { item in
            let outcome = item.state == .duplicate ? "duplicate" + (item.duplicateKind.map { " (\($0))" } ?? "")
                : item.state.rawValue
            return "item \(item.id)  \(item.file)  \(Sizes.short(item.size))  \(outcome)"
                + (item.original.map { "  → \($0)" } ?? "")
        })
    }
}

/// A titled block of lines in `show`'s human output.
public struct ShowSection: Sendable, Hashable {
    public var title: String
    public var lines: [String]

    public init(title: String, lines: [String]) {
        self.title = title
        self.lines = lines
    }
}
