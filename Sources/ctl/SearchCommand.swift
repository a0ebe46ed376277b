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

    @Flag(help: "Rank every match. By default a query matching more than \(CorpusDatabase.searchWindow) documents is ranked among the newest \(CorpusDatabase.searchWindow) only (and says so).")
    var allMatches = false

    func validate() throws {
        if query.joined().trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("give something to search for") }
        if limit < 0 || offset < 0 { throw ValidationError("--limit and --offset cannot be negative") }
    }

    func run() throws {
        try Output.guarded {
            let corpus = try global.openCorpus()
            let text = query.joined(separator: " ")
            let page = try corpus.search(text, filter: try filters.filter(in: corpus), limit: limit, offset: offset,
                                         window: allMatches ? nil : CorpusDatabase.searchWindow)
            let results = page.hits.map { SearchResult($0, rankedAmongNewest: page.rankedWithin) }
            if global.json {
                try Output.json(results)
            } else if results.isEmpty {
                Output.line("nothing matches \(text)")
            } else {
                var text = SearchResult.render(results, width: global.textWidth, style: global.style)
                if let window = page.rankedWithin {
                    text += "\n\n" + global.style.dim("More than \(window) documents match: these are the best of the newest \(window). "
                        + "Narrow the search (more words, --tag, --since) or give --all-matches to rank every match (slower).")
                }
                global.page(text)
            }
        }
    }
}
