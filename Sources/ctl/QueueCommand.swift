import ArgumentParser
import Foundation
import Pipeline

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Show the items of the queue — every file seen — newest first, with what became of each.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only items in this state (repeatable): pending, processing, stored, duplicate, failed.")
    var state: [ItemState] = []

    @Option(help: ArgumentHelp("Only items first seen at or after this: \(DateArgument.help).", valueName: "WHEN"))
    var since: String?

    @Option(help: "At most this many items.")
    var limit: Int = 50

    func validate() throws {
        if let since, DateArgument.parse(since, now: Date()) == nil {
            throw ValidationError("--since '\(since)' is not \(DateArgument.help)")
        }
    }

    func run() throws {
        try Output.guarded {
            let corpus = try global.openCorpus()
            let now = Date()
            let items = try corpus.items(matching: ItemQuery(
                states: state, since: since.flatMap { DateArgument.parse($0, now: now) }, limit: max(0, limit)))
            let entries = items.map(QueueEntry.init)
            if global.json {
                try Output.json(entries)
            } else if entries.isEmpty {
                Output.line("no items")
            } else {
                global.page(global.style.header(QueueEntry.table(entries, width: global.textWidth, now: now)))
            }
        }
    }
}

extension ItemState: ExpressibleByArgument {}
