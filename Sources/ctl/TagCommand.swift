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
            Output.line("document \(id): added \(slugs(result["added"])); confirmed \(slugs(result["confirmed"]))")
        }
    }
}

struct UntagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "untag",
        abstract: "Remove tags from a document and reject them there (through the daemon).",
        discussion: """
            Whatever gave the tag (a declaration, a rule, the model, a person), it goes, and it stays gone: \
            reclassify, rules and the model never give it to this document again. `corpusctl tag` gives it back. \
            Aliases work.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The document id (see corpusctl list).")
    var id: Int64

    @Argument(help: "Tags or aliases to remove and reject.")
    var tags: [String] = []

    func validate() throws {
        if tags.isEmpty { throw ValidationError("name at least one tag") }
    }

    func run() throws {
        try Output.guarded {
            let result = try global.control(.rejectTags(document: id, tags: tags))
            if global.json {
                try Output.json(result)
                return
            }
            Output.line("document \(id): removed \(slugs(result["removed"])); rejected \(slugs(result["rejected"]))")
        }
    }
}

/// A reply's list of tag slugs for a person: "china, drugs", or "none".
private func slugs(_ value: JSONValue?) -> String {
    guard case .array(let items)? = value, !items.isEmpty else { return "none" }
    return items.compactMap(\.string).joined(separator: ", ")
}
