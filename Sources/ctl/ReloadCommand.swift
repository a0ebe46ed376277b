import ArgumentParser
import Foundation
import Pipeline

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make the daemon re-read its config file and taxonomy (as systemctl reload corpusd does).",
        discussion: "Exit status: 0 when every source was re-read, 1 when one kept its previous settings, 3 when no daemon runs.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Output.guarded {
            let result = try global.control(.reload)
            let report = try JSONDecoder.corpus.decode(ReloadReport.self, from: JSONEncoder.corpus.encode(result))
            if global.json {
                try Output.json(report)
            } else {
                for entry in report.entries {
                    switch entry.outcome {
                    case .reloaded(let changes): Output.line("\(entry.name): reloaded (\(changes ?? "no change"))")
                    case .failed(let reason): Output.line("\(entry.name): kept the previous settings: \(reason)")
                    }
                }
            }
            if !report.failures.isEmpty { throw ExitCode(1) }
        }
    }
}
