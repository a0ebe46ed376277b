import Foundation

/// Human forms of duplicate groups, story clusters and a document's kin. Pure: values in, text out.
public enum DuplicateReports {
    /// `corpusctl dupes`: each canonical document, then its copies.
    public static func groups(_ groups: [DuplicateGroup], width: Int = 100) -> String {
        guard !groups.isEmpty else { return "no duplicates" }
        return groups.map { group in
            heading(group.document) + " — \(group.copies.count) cop\(group.copies.count == 1 ? "y" : "ies")\n"
                + indent(copiesTable(group.copies, width: width - 4))
        }.joined(separator: "\n\n")
    }

    /// `corpusctl stories`: each cluster with its size, then its documents.
    public static func stories(_ stories: [StoryCluster], width: Int = 100) -> String {
        guard !stories.isEmpty else { return "no stories with more than one document" }
        return stories.map { story in
            "story \(story.id) — \(story.size) documents\n" + indent(TextTable(
                columns: [.init("ID", alignRight: true), .init("PUBLISHED"), .init("SOURCE", flexible: true, minWidth: 12),
                          .init("TITLE", flexible: true, minWidth: 24)],
                rows: story.documents.map { [String($0.id), day($0.published), $0.source ?? "-", $0.title] }
            ).render(width: width - 4))
        }.joined(separator: "\n\n")
    }

    /// The duplicates and related-stories part of `corpusctl show ID`.
    public static func kinship(_ kin: DocumentKinship, width: Int = 100) -> String {
        var sections: [String] = []
        if kin.duplicates.isEmpty {
            sections.append("Duplicates: none")
        } else {
            sections.append("Duplicates (\(kin.duplicates.count)):\n" + indent(copiesTable(kin.duplicates, width: width - 4)))
        }
        if kin.related.isEmpty {
            sections.append("Related: none")
        } else {
            sections.append("Related (\(kin.related.count)):\n" + indent(TextTable(
                columns: [.init("ID", alignRight: true), .init("SHARED", alignRight: true), .init("SIMILARITY", alignRight: true),
                          .init("SOURCE", flexible: true, minWidth: 12), .init("TITLE", flexible: true, minWidth: 24)],
                rows: kin.related.map { r in
                    [String(r.document.id), percent(r.score), String(format: "%.2f", r.similarity), r.document.source ?? "-",
                     r.document.title]
                }
            ).render(width: width - 4)))
        }
        if let story = kin.story {
            sections.append("Story \(story.id): \(story.size) documents (corpusctl stories)")
        }
        return sections.joined(separator: "\n")
    }

    static func copiesTable(_ copies: [DocumentCopy], width: Int) -> String {
        TextTable(
            columns: [.init("ITEM", alignRight: true), .init("KIND"), .init("SIMILARITY", alignRight: true), .init("PUBLISHED"),
                      .init("SOURCE", flexible: true, minWidth: 12), .init("FILE", flexible: true, minWidth: 12),
                      .init("TITLE", flexible: true, minWidth: 16)],
            rows: copies.map { c in
                [String(c.itemID), c.kind.rawValue, String(format: "%.2f", c.similarity), day(c.published), c.source ?? "-", c.file,
                 c.title ?? "-"]
            }
        ).render(width: width)
    }

    static func heading(_ d: DocumentBrief) -> String {
        "#\(d.id)  \(d.title)  (\(d.source ?? "unknown source"), \(d.published.map { String($0.prefix(10)) } ?? "undated"))"
    }

    static func day(_ published: String?) -> String { published.map { String($0.prefix(10)) } ?? "-" }
    static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
    static func indent(_ text: String) -> String { text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") }

    /// `dedup --recheck`'s summary.
    public static func recheck(_ summary: RecheckSummary) -> String {
        var lines = ["checked \(summary.documentsChecked) documents at threshold "
            + (summary.threshold.map { String(format: "%.2f", $0) } ?? "off")
            + ": \(summary.merged.count) merged into an earlier document"]
        for merge in summary.merged {
            lines.append("  document \(merge.document) → duplicate of \(merge.into) (similarity \(String(format: "%.2f", merge.similarity)))")
        }
        if !summary.belowThreshold.isEmpty {
            lines.append("\(summary.belowThreshold.count) near-duplicate copies recorded earlier are below this threshold "
                + "(items \(summary.belowThreshold.map(String.init).joined(separator: ", "))); they stay duplicates")
        }
        return lines.joined(separator: "\n")
    }
}
