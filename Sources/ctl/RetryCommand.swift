import ArgumentParser
import Foundation
import Pipeline

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Put failed items back in the queue; their originals move back from failed/ to the inbox.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Item ids (see corpusctl status / queue).")
    var ids: [Int64] = []

    @Flag(help: "Retry every failed item.")
    var failed = false

    func validate() throws {
        if ids.isEmpty && !failed { throw ValidationError("name item ids, or pass --failed for all failed items") }
        if !ids.isEmpty && failed { throw ValidationError("give item ids or --failed, not both") }
    }

    func run() throws {
        try Output.guarded {
            let result = try global.control(failed ? .retryAllFailed : .retry(ids: ids))
            if global.json {
                try Output.json(result)
                return
            }
            let retried = (result["retried"].flatMap { if case .array(let a) = $0 { return a } else { return nil } } ?? [])
            Output.line("retrying \(retried.count) item\(retried.count == 1 ? "" : "s")")
            if case .array(let problems)? = result["problems"] {
                for problem in problems { Output.line("  \(problem.string ?? "")") }
            }
        }
    }
}

struct RescanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rescan", abstract: "Ask the daemon to scan the whole inbox now.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Output.guarded {
            let result = try global.control(.rescan)
            if global.json { try Output.json(result) } else { Output.line("rescan requested") }
        }
    }
}
