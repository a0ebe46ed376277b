import ArgumentParser
import Foundation
import Pipeline

/// The document filters `list`, `search` and `export` share.
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("tag"), help: "Only documents with this tag; repeat to require several. Aliases work.",
            completion: Completions.tags)
    var tags: [String] = []

    @Option(name: .customLong("any-tag"), help: "Only documents with at least one of these tags (repeatable).",
            completion: Completions.tags)
    var anyTags: [String] = []

    @Option(name: .customLong("not-tag"), help: "Leave out documents with this tag (repeatable).",
            completion: Completions.tags)
    var notTags: [String] = []

    @Option(name: .customLong("source"), help: "Only documents from this publisher (repeatable; any case).",
            completion: Completions.sources)
    var sources: [String] = []

    @Option(help: ArgumentHelp("Only documents dated (published, else ingested) at or after this: \(DateArgument.help).",
                               valueName: "WHEN"))
    var since: String?

    @Option(help: ArgumentHelp("Only documents dated before this: \(DateArgument.help).", valueName: "WHEN"))
    var until: String?

    func validate() throws {
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, DateArgument.parse(value, now: Date()) == nil {
                throw ValidationError("\(name) '\(value)' is not \(DateArgument.help)")
            }
        }
    }

    /// The filter, with every tag resolved to its slug against `corpus` (unknown tags fail with a suggestion).
    func filter(in corpus: CorpusDatabase, text: String? = nil) throws -> DocumentFilter {
        let resolver = try TagResolver(corpus: corpus)
        let now = Date()
        return DocumentFilter(
            allTags: try tags.map(resolver.slug), anyTags: try anyTags.map(resolver.slug),
            notTags: try notTags.map(resolver.slug), sources: sources,
            since: since.flatMap { DateArgument.parse($0, now: now) }, until: until.flatMap { DateArgument.parse($0, now: now) },
            text: text)
    }

    var isEmpty: Bool { tags.isEmpty && anyTags.isEmpty && notTags.isEmpty && sources.isEmpty && since == nil && until == nil }
}

/// Turns what a person typed (a name, an alias, any case) into a tag slug, or says which known tag they meant.
/// Aliases are the daemon's taxonomy as it last recorded it in the database (the built-in one when no
/// daemon has recorded any yet).
struct TagResolver {
    let known: Set<String>
    /// Alias slug → canonical slug.
    let aliases: [String: String]

    init(corpus: CorpusDatabase) throws {
        known = Set(try corpus.usedTagSlugs()).union(Taxonomy.builtIn.definitions.map(\.slug))
        let recorded = try corpus.tagAliases()
        aliases = recorded.isEmpty ? Taxonomy.builtIn.aliasSlugs : recorded
    }

    func slug(_ typed: String) throws -> String {
        let slug = aliases[Slug.make(typed)] ?? Slug.make(typed)
        if known.contains(slug) { return slug }
        let suggestion = Suggest.closest(to: slug, among: known.union(aliases.keys).sorted()).map { aliases[$0] ?? $0 }
        throw CtlError("unknown tag '\(typed)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
    }
}
