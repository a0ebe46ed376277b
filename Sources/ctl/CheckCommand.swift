import ArgumentParser
import Foundation
import Pipeline

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the database file (PRAGMA integrity_check) and the queue's accounting, read-only.",
        discussion: "Exit status: 0 when sound, 1 when not. Safe while the daemon runs.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Output.guarded {
            let report = try CheckReport(try global.openCorpus())
            if global.json { try Output.json(report) } else { Output.line(report.render()) }
            if !report.ok { throw ExitCode(1) }
        }
    }
}
