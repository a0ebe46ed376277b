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

    /// `corpusctl show ID`: the files recorded as copies of the document, with what each said about itself.
    public static func duplicatesSection(_ kin: DocumentKinship) -> ShowSection {
        ShowSection(title: "duplicates", lines: kin.duplicates.isEmpty ? ["(none)"] : kin.duplicates.map { c in
            "item \(c.itemID)  \(c.kind.rawValue) \(String(format: "%.2f", c.similarity))  \(c.source ?? "unknown source")  "
                + "\(day(c.published))  \(c.file)  \(c.title.map { "“\($0)”" } ?? "")"
        })
    }

    /// `corpusctl show ID`: documents on the same story.
    public static func relatedSection(_ kin: DocumentKinship) -> ShowSection {
        ShowSection(title: "related", lines: kin.related.isEmpty ? ["(none)"] : kin.related.map { r in
            "document \(r.document.id)  \(percent(r.score)) of story terms shared, similarity \(String(format: "%.2f", r.similarity))  "
                + "\(r.document.source ?? "unknown source")  “\(r.document.title)”"
        })
    }

    /// `corpusctl show ID`: the story cluster the document is in, if any.
    public static func storySection(_ kin: DocumentKinship) -> ShowSection? {
        kin.story.map { story in
            ShowSection(title: "story", lines: [
                "story \(story.id): \(story.size) documents (" + story.documents.map { "#\($0.id)" }.joined(separator: ", ") + ")",
            ])
        }
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
        let threshold = summary.threshold.map { String(format: "%.2f", $0) } ?? "off"
        var lines = ["checked \(summary.documentsChecked) documents at threshold \(threshold): "
            + "\(summary.merged.count) merged into an earlier document"]
        for merge in summary.merged {
            lines.append("  document \(merge.document) → duplicate of \(merge.into) (similarity \(String(format: "%.2f", merge.similarity)))")
        }
        lines.append("judged \(summary.copiesChecked) near-duplicate copies again: \(summary.split.count) no longer duplicates of their document")
        for split in summary.split {
            let now = split.outcome == .stored ? "its own document \(split.document)"
                : "\(split.kind?.rawValue ?? "duplicate") of \(split.document)" + (split.similarity.map { " (similarity \(String(format: "%.2f", $0)))" } ?? "")
            lines.append("  item \(split.item) (was a copy of \(split.from)) → \(now)")
        }
        for unreadable in summary.unreadable {
            lines.append("  item \(unreadable.item) stays a duplicate: \(unreadable.reason)")
        }
        return lines.joined(separator: "\n")
    }
}

extension DocumentListing {
    /// The listings with, under each document, one row per recorded copy (`list --include-duplicates`):
    /// the copy's own source, date, file and title (marked ↳), under its document's id.
    public static func expandingDuplicates(_ listings: [DocumentListing]) -> [DocumentListing] {
        listings.flatMap { listing -> [DocumentListing] in
            [listing] + (listing.duplicates ?? []).map { c in
                var row = listing
                row.title = "↳ \(c.kind.rawValue) \(String(format: "%.2f", c.similarity)): " + (c.title ?? c.file)
                row.source = c.source
                row.published = c.published
                row.file = c.file
                row.tags = []
                row.byline = nil
                row.url = c.url
                row.ingestedAt = c.seenAt
                row.wordCount = nil
                row.duplicates = nil
                return row
            }
        }
    }
}
