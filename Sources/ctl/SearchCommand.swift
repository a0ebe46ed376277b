import ArgumentParser
import Foundation
import Pipeline

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Full-text search of titles and bodies, best match first.",
        discussion: """
            The query is SQLite FTS5's: words (all must appear), "an exact phrase", prefix* words, OR, NOT,
            parentheses, title:word. Examples:
              corpusctl search fentanyl
              corpusctl search '"working group" opioid*' --tag china --since 2024-01-01
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filters: FilterOptions

    @Argument(help: "What to look for.")
    var query: [String]

    @Option(help: "At most this many results.")
    var limit: Int = 20

    @Option(help: "Skip this many results first.")
    var offset: Int = 0

    func validate() throws {
        if query.joined().trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("give something to search for") }
        if limit < 0 || offset < 0 { throw ValidationError("--limit and --offset cannot be negative") }
    }

    func run() throws {
        try Output.guarded {
            let corpus = try global.openCorpus()
            let text = query.joined(separator: " ")
            let results = try corpus.search(text, filter: try filters.filter(in: corpus), limit: limit, offset: offset)
                .map(SearchResult.init)
            if global.json {
                try Output.json(results)
            } else if results.isEmpty {
                Output.line("nothing matches \(text)")
            } else {
                global.page(SearchResult.render(results, width: global.textWidth, style: global.style))
            }
        }
    }
}
