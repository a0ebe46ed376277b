import ArgumentParser
import Foundation
import Pipeline

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Give or confirm tags on a document (through the daemon).",
        discussion: """
            The tags become the document's own (origin explicit, "added by a user" or "confirmed by a user"): \
            reclassify keeps them and the learned model learns from them. Aliases work.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The document id (see corpusctl list).")
    var id: Int64

    @Argument(help: "Tags or aliases to give or confirm.")
    var tags: [String] = []

    func validate() throws {
        if tags.isEmpty { throw ValidationError("name at least one tag") }
    }

    func run() throws {
        try Output.guarded {
            let result = try global.control(.confirmTags(document: id, tags: tags))
            if global.json {
                try Output.json(result)
                return
            }
            func list(_ key: String) -> String {
                guard case .array(let items)? = result[key], !items.isEmpty else { return "none" }
                return items.compactMap(\.string).joined(separator: ", ")
            }
            Output.line("document \(id): added \(list("added")); confirmed \(list("confirmed"))")
        }
    }
}
