import ArgumentParser
import Pipeline

@main
struct Corpusctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpusctl",
        abstract: "Inspect and control corpusd: its queue, its documents, its tags.",
        version: CorpusdVersion.string,
        subcommands: [
            StatusCommand.self,
            ListCommand.self,
            RetryCommand.self,
            RescanCommand.self,
        ],
        defaultSubcommand: StatusCommand.self)
}
