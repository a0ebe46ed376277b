import ArgumentParser
import Pipeline

@main
struct Corpusctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpusctl",
        abstract: "Inspect and control corpusd: its queue, its documents, its tags.",
        discussion: """
            Every command takes --json (a stable contract: fields are only ever added), --state-dir and --db. \
            corpusctl opens the database read-only and never creates files in the state folder.

            Exit status: 0 success, 1 error, 3 the daemon is not running (status, and the commands that need \
            it), 64 bad usage.
            """,
        version: CorpusdVersion.string,
        // One line per subcommand, in the order `corpusctl help` lists them.
        subcommands: [
            StatusCommand.self,
            QueueCommand.self,
            ListCommand.self,
            ShowCommand.self,
            SearchCommand.self,
            SourcesCommand.self,
            ExportCommand.self,
            MetricsCommand.self,
            RetryCommand.self,
            RescanCommand.self,
            TagsCommand.self,
            TagCommand.self,
            UntagCommand.self,
            ReclassifyCommand.self,
            ExtractCommand.self,
            CheckCommand.self,
            DupesCommand.self,
            StoriesCommand.self,
            DedupCommand.self,
            ReloadCommand.self,
        ],
        defaultSubcommand: StatusCommand.self)
}
