import ArgumentParser
import Foundation
import Pipeline

struct SourcesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources", abstract: "Documents per publisher, most first.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Output.guarded {
            let sources = try global.openCorpus().sources()
            if global.json {
                try Output.json(sources)
            } else if sources.isEmpty {
                Output.line("no documents")
            } else {
                global.page(global.style.header(SourceCount.table(sources, width: global.textWidth)))
            }
        }
    }
}
