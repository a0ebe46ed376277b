import ArgumentParser
import Foundation
import Pipeline

struct DupesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dupes",
        abstract: "List duplicate groups: each document with the files recorded as its copies (kind, similarity, source).",
        discussion: """
            The first copy stored is the document; every later copy (exact bytes, same text, or near: Jaccard \
            similarity of word shingles at or above corpusd --near-threshold) is a duplicate of it and keeps its \
            own file, source, title and date here.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "At most this many groups (most recently duplicated first).")
    var limit: Int = 50

    func run() throws {
        try Output.guarded {
            let groups = try global.openCorpus().duplicateGroups(limit: max(0, limit))
            if global.json { try Output.json(groups) } else { global.page(DuplicateReports.groups(groups, width: global.textWidth)) }
        }
    }
}

struct StoriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stories",
        abstract: "List story clusters: documents on one story that are not duplicates, with sizes and titles.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only clusters of at least this many documents.")
    var minSize: Int = 2

    @Option(help: "At most this many clusters (newest first).")
    var limit: Int = 50

    func run() throws {
        try Output.guarded {
            let stories = try global.openCorpus().stories(minSize: max(1, minSize), limit: max(0, limit))
            if global.json { try Output.json(stories) } else { global.page(DuplicateReports.stories(stories, width: global.textWidth)) }
        }
    }
}

struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Judge the whole corpus again for near-duplicates (through the daemon), e.g. after a threshold change.",
        discussion: """
            Merge: every document, in the order it was stored, is compared with earlier ones; one now similar \
            enough becomes a near duplicate of the earlier one it is most similar to (its files and copies move \
            there), so the first stored stays canonical. Split: every near copy now below the threshold is read \
            again from archive/, processed, and judged as a new file would be: a duplicate of another document, \
            or a document of its own again (tags, search, story links). Safe to stop and run again. \
            --threshold becomes the daemon's for new files, and the corpus records it: corpusd keeps it across \
            restarts unless its settings give near_threshold / --near-threshold (then it warns that the corpus \
            was judged with another).
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Re-check the whole corpus.")
    var recheck = false

    @Option(help: "The Jaccard similarity (0–1] to re-check at (default: the daemon's).")
    var threshold: Double?

    func validate() throws {
        guard recheck else { throw ValidationError("say --recheck to re-run near-duplicate detection over the corpus") }
        if let threshold, !(threshold > 0 && threshold <= 1) { throw ValidationError("--threshold must be in (0, 1]") }
    }

    func run() throws {
        try Output.guarded {
            let result = try global.control(.dedupRecheck(threshold: threshold))
            if global.json {
                try Output.json(result)
            } else {
                let summary = try JSONDecoder.corpus.decode(RecheckSummary.self, from: JSONEncoder.corpus.encode(result))
                Output.line(DuplicateReports.recheck(summary))
            }
        }
    }
}
