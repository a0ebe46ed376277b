import ArgumentParser
import Foundation
import Pipeline

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List documents, newest first, filtered by tag, publisher, date or words.",
        discussion: """
            Dates are the publication date, else the ingestion time. Examples:
              corpusctl list --tag china --not-tag sports --since 7d
              corpusctl list --search 'fentanyl AND "working group"' --format id,published,title
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filters: FilterOptions

    @Option(help: "Only documents whose title or body matches this search (as in corpusctl search).")
    var search: String?

    @Option(help: "Order: published (newest first, undated last) or ingested (newest first).")
    var sort: DocumentSort = .ingested

    @Option(help: "At most this many documents.")
    var limit: Int = 50

    @Option(help: "Skip this many documents first.")
    var offset: Int = 0

    @Option(help: ArgumentHelp("Columns to show, comma-separated: \(ListColumn.allCases.map(\.rawValue).joined(separator: ",")).",
                               valueName: "COLUMNS"))
    var format: String?

    @Flag(help: "Also show the files recorded as duplicates of each document (under it; in JSON as its \"duplicates\").")
    var includeDuplicates = false

    func validate() throws {
        if let format, case .failure(let error) = ListColumn.parse(format) { throw ValidationError(error.description) }
        if limit < 0 || offset < 0 { throw ValidationError("--limit and --offset cannot be negative") }
    }

    func run() throws {
        try Output.guarded {
            let corpus = try global.openCorpus()
            let filter = try filters.filter(in: corpus, text: search)
            if global.json {
                // Streamed a page at a time: a listing of the whole corpus needs no more memory than a page.
                var out = JSONArrayWriter(encoder: .corpus) { FileHandle.standardOutput.write($0) }
                try corpus.forEachDocumentPage(filter: filter, sort: sort, limit: limit, offset: offset,
                                               withCopies: includeDuplicates) { page, copies in
                    for summary in page {
                        var listing = DocumentListing(summary)
                        if includeDuplicates { listing.duplicates = copies[listing.id] ?? [] }
                        try out.append(listing)
                    }
                }
                try out.finish(emptyAs: DocumentListing.self)
                return
            }
            var listings = try corpus.documents(filter: filter, sort: sort, limit: limit, offset: offset)
                .map(DocumentListing.init)
            if includeDuplicates {
                let copies = try corpus.copies(ofDocuments: listings.map(\.id))
                for index in listings.indices { listings[index].duplicates = copies[listings[index].id] ?? [] }
            }
            if listings.isEmpty {
                Output.line("no documents" + (filters.isEmpty && search == nil ? "" : " match"))
            } else {
                let columns = format.flatMap { try? ListColumn.parse($0).get() } ?? ListColumn.defaults
                global.page(global.style.header(DocumentListing.table(DocumentListing.expandingDuplicates(listings), columns: columns, width: global.textWidth)))
            }
        }
    }
}

extension DocumentSort: ExpressibleByArgument {}
