import ArgumentParser
import Foundation
import Pipeline

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List documents, newest first.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("tag"), help: "Only documents with this tag; repeat to require several.")
    var tags: [String] = []

    @Option(help: "At most this many documents.")
    var limit: Int = 50

    func run() throws {
        try Output.guarded {
            let corpus = try global.openCorpus()
            let slugs = tags.map { Taxonomy.builtIn.definition(for: $0)?.slug ?? Slug.make($0) }
            let documents = try corpus.documents(matching: DocumentQuery(allTags: slugs, limit: max(0, limit)))
            let listings = documents.map(DocumentListing.init)
            if global.json {
                try Output.json(listings)
            } else if listings.isEmpty {
                Output.line("no documents" + (tags.isEmpty ? "" : " tagged \(tags.joined(separator: " and "))"))
            } else {
                Output.line(DocumentListing.table(listings))
            }
        }
    }
}
