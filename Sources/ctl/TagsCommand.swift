import ArgumentParser
import Foundation
import Pipeline

struct TagsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "List tags with how many documents carry each, by origin (explicit, alias, folder, rule, model).")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Also list the taxonomy's tags that no document carries yet.")
    var all = false

    func run() throws {
        try Output.guarded {
            let counts = try global.openCorpus().tagCounts(includeUnused: all)
            if global.json {
                try Output.json(counts)
            } else if counts.isEmpty {
                Output.line("no tags yet")
            } else {
                Output.line(TagCountTable.render(counts))
            }
        }
    }
}

struct ReclassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reclassify",
        abstract: "Reload the taxonomy, retrain the learned model and re-tag every document (declared tags are kept).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Output.guarded {
            let result = try global.control(.reclassify)
            if global.json {
                try Output.json(result)
                return
            }
            Output.line("reclassified \(result["documents"]?.int ?? 0) documents with \(result["taxonomy"]?.string ?? "?"): "
                + "\(result["changed"]?.int ?? 0) changed, \(result["added"]?.int ?? 0) tags added, "
                + "\(result["removed"]?.int ?? 0) removed; model learnt \(result["model_tags"]?.int ?? 0) tags "
                + "from \(result["model_documents"]?.int ?? 0) labelled documents")
        }
    }
}
