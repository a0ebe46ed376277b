import ArgumentParser
import Foundation
import Pipeline

/// Shell completion of values that live in the corpus (tags, publishers). Runs when a person presses TAB:
/// reads the state folder named on the command line (or the default one), and offers nothing on any error.
enum Completions {
    static let tags = CompletionKind.custom { words, _, prefix in
        candidates(words: words, prefix: prefix) { corpus in
            Set(try corpus.usedTagSlugs()).union(Taxonomy.builtIn.definitions.map(\.slug)).sorted()
        }
    }

    static let sources = CompletionKind.custom { words, _, prefix in
        candidates(words: words, prefix: prefix) { corpus in try corpus.sources().compactMap(\.source) }
    }

    private static func candidates(words: [String], prefix: String,
                                   _ values: (CorpusDatabase) throws -> [String]) -> [String] {
        func value(after option: String) -> String? {
            guard let index = words.firstIndex(of: option), index + 1 < words.count else { return nil }
            return words[index + 1]
        }
        let layout = StateLayout.resolve(stateDirectory: value(after: "--state-dir"), database: value(after: "--db"))
        guard FileManager.default.isReadableFile(atPath: layout.database),
              let corpus = try? CorpusDatabase.openReadOnly(path: layout.database),
              let all = try? values(corpus)
        else { return [] }
        return all.filter { $0.lowercased().hasPrefix(prefix.lowercased()) }
    }
}
