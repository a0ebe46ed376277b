import Foundation

/// What `corpusctl check` reports; its JSON form is a stable contract.
public struct CheckReport: Sendable, Codable, Hashable {
    /// `PRAGMA integrity_check`: "ok", or SQLite's list of problems.
    public var integrity: String
    public var items: [String: Int]
    public var documents: Int
    public var accounting: QueueAccounting
    /// The counters `status` and the tag learner read agree with the rows counted one by one.
    public var countersMatch: Bool
    public var ok: Bool

    public init(_ corpus: CorpusDatabase) throws {
        integrity = try corpus.integrityCheck()
        let counts = try corpus.counts()
        items = Dictionary(uniqueKeysWithValues: ItemState.allCases.map { ($0.rawValue, counts.count($0)) })
        documents = counts.documents
        accounting = try corpus.queueAccounting()
        let counted = try corpus.countedCounts()
        countersMatch = try counted.items.filter { $0.value != 0 } == counts.items && counted.documents == counts.documents
            && corpus.countedLabelledDocuments() == corpus.labelledDocumentCount()
        ok = integrity == "ok" && countersMatch && accounting.storedWithoutDocument == 0 && accounting.documentsWithoutStoredItem == 0
            && accounting.documentsStoredTwice == 0 && accounting.containersMissingEntries == 0
    }

    public func render() -> String {
        var lines = ["database   \(integrity == "ok" ? "ok" : "DAMAGED: \(integrity)")"]
        let a = accounting
        let balanced = a.storedWithoutDocument + a.documentsWithoutStoredItem + a.documentsStoredTwice == 0
        lines.append("documents  \(documents), one per stored item: " + (balanced ? "yes" : "NO ("
            + "\(a.storedWithoutDocument) stored items lack theirs, \(a.documentsWithoutStoredItem) documents lack an item, "
            + "\(a.documentsStoredTwice) recorded twice)"))
        if a.containersMissingEntries > 0 {
            lines.append("entries    \(a.containersMissingEntries) feeds or lists whose entries are not each recorded once")
        }
        if !countersMatch {
            lines.append("counters   DIFFER from the rows counted one by one (status shows the counters)")
        }
        if accounting.undisposed > 0 {
            lines.append("inbox      \(accounting.undisposed) finished items still to be moved out (the daemon does it)")
        }
        lines.append(ok ? "sound" : "NOT SOUND")
        return lines.joined(separator: "\n")
    }
}
