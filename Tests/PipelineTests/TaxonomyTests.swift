import Foundation
import Testing

@testable import Pipeline

/// Each `Fixtures/tagger/NAME.txt` (a `Title:` line, an optional `Tags:` line, then the body) is tagged with
/// `Fixtures/tagger/taxonomy.yaml`; `NAME.expected.json` gives the complete set of tags with their origins
/// and, for some, the explanation.
struct TaggerFixtureTests {
    struct Expected: Decodable {
        var tags: [String: String]
        var evidence: [String: String]?
    }

    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url("tagger").path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }.sorted()
    }()

    static func taxonomy() throws -> Taxonomy {
        let url = Fixtures.url("tagger").appendingPathComponent("taxonomy.yaml")
        return try TaxonomyFile.parse(String(contentsOf: url, encoding: .utf8), source: "taxonomy.yaml")
    }

    /// The fixture's article: `Title:` and `Tags:` (separated by `|`) header lines, a blank line, the body.
    static func article(_ name: String) throws -> ParsedArticle {
        let text = try String(contentsOf: Fixtures.url("tagger").appendingPathComponent(name + ".txt"), encoding: .utf8)
        var title = ""
        var tags: [String] = []
        var lines = text.components(separatedBy: "\n")[...]
        while let line = lines.first, !line.isEmpty {
            lines = lines.dropFirst()
            if line.hasPrefix("Title: ") { title = String(line.dropFirst(7)) }
            if line.hasPrefix("Tags: ") {
                tags = line.dropFirst(6).split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        return ParsedArticle(title: title, explicitTags: tags, paragraphs: [lines.joined(separator: "\n")])
    }

    @Test func fixturesArePresent() {
        #expect(Self.fixtures.count >= 10)
    }

    @Test(arguments: fixtures)
    func tagsFixture(_ name: String) throws {
        let expected = try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: Fixtures.url("tagger").appendingPathComponent(name + ".expected.json")))
        let tags = Tagger.tag(try Self.article(name), taxonomy: try Self.taxonomy())
        let got = Dictionary(tags.map { ($0.slug, $0.origin.rawValue) }, uniquingKeysWith: { a, _ in a })
        #expect(got == expected.tags, "\(name): \(tags.map { "\($0.slug) \($0.origin): \($0.evidence ?? "")" })")
        #expect(tags.count == got.count, "a tag was given twice")
        for (slug, evidence) in expected.evidence ?? [:] {
            #expect(tags.first { $0.slug == slug }?.evidence == evidence)
        }
    }

    @Test func titleHitsWeighMoreThanBodyHits() throws {
        let taxonomy = try Self.taxonomy()
        let inTitle = Tagger.ruleMatches(ParsedArticle(title: "China", paragraphs: ["Nothing here."]), taxonomy: taxonomy)
        let inBody = Tagger.ruleMatches(ParsedArticle(title: "News", paragraphs: ["China."]), taxonomy: taxonomy)
        #expect(inTitle.first { $0.slug == "china" }?.score == 3)
        #expect(inBody.isEmpty)
    }

    /// Evidence numbers: one decimal for whole numbers, two otherwise, rounded as C's printf rounds (the exact binary
    /// value, ties to even) — the digits `String(format:)` gave before the formatting was made straight.
    @Test func evidenceNumbersAreFormattedAsPrintfDoes() {
        let cases: [(Double, String)] = [
            (0, "0.0"), (3, "3.0"), (-2, "-2.0"), (2.5, "2.50"), (0.125, "0.12"), (0.375, "0.38"), (1.005, "1.00"),
            (2.675, "2.67"), (1 / 3, "0.33"), (-0.004, "-0.00"), (123_456.789, "123456.79"), (1e20, "100000000000000000000.0"),
        ]
        for (value, text) in cases {
            #expect(Tagger.format(value) == text, "\(value)")
        }
        #expect(Tagger.format(.greatestFiniteMagnitude).count == 311)
        #expect(Tagger.format(.infinity) == "inf")
    }
}

/// Each `Fixtures/taxonomy/NAME.yaml` is a broken taxonomy file; `NAME.expected.json` says where the
/// error must be reported and what it must say.
struct BrokenTaxonomyFileTests {
    struct Expected: Decodable {
        var line: Int
        var column: Int
        var contains: String
    }

    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url("taxonomy").path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func fixturesArePresent() {
        #expect(Self.fixtures.count >= 6)
    }

    @Test(arguments: fixtures)
    func reportsLineAndColumn(_ name: String) throws {
        let dir = Fixtures.url("taxonomy")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent(name + ".expected.json")))
        let text = try String(contentsOf: dir.appendingPathComponent(name + ".yaml"), encoding: .utf8)
        #expect {
            _ = try TaxonomyFile.parse(text, source: name + ".yaml")
        } throws: { error in
            guard let error = error as? TaxonomyFileError else { return false }
            return error.line == expected.line && error.column == expected.column
                && error.message.contains(expected.contains)
                && error.description.hasPrefix("\(name).yaml:\(expected.line):\(expected.column): ")
        }
    }

    @Test func aBrokenReloadKeepsThePreviousTaxonomy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("taxonomy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("taxonomy.yaml")
        try "tags:\n  china:\n    aliases: [prc]\n    keywords: [China]\n".write(to: file, atomically: true, encoding: .utf8)
        let database = try CorpusDatabase.inMemory()
        let tagging = try Tagging(taxonomyPath: file.path, stateDirectory: dir.path, threshold: 0.9, database: database,
                                  logger: .init(label: "test"))
        #expect(try database.resolveTag("PRC") == "china")

        try "tags:\n  china:\n    aliases: [prc\n".write(to: file, atomically: true, encoding: .utf8)
        guard case .failure(let error) = tagging.reloadTaxonomy() else {
            Issue.record("a broken file was accepted")
            return
        }
        #expect(error.line == 4)
        #expect(tagging.current.taxonomy.definition(for: "prc")?.slug == "china")
        #expect(try database.resolveTag("PRC") == "china")

        try "tags:\n  china:\n    aliases: [zhongguo]\n  russia:\n    keywords: [Moscow]\n".write(to: file, atomically: true, encoding: .utf8)
        guard case .success(let reloaded) = tagging.reloadTaxonomy() else {
            Issue.record("a good file was refused")
            return
        }
        #expect(reloaded.tags == 2)
        #expect(reloaded.added == ["russia"])
        #expect(reloaded.removed.isEmpty)
        #expect(try tagging.reloadHook() == "2 tags, 1 aliases from \(file.path)")
        #expect(tagging.current.taxonomy.definition(for: "zhongguo")?.slug == "china")
        #expect(try database.resolveTag("zhongguo") == "china")
        #expect(try database.resolveTag("PRC") == "prc")
    }
}

/// The taxonomy that ships with corpusd.
struct DefaultTaxonomyTests {
    @Test func theShippedFileParses() throws {
        let taxonomy = try TaxonomyFile.parse(Taxonomy.defaultFileText, source: "taxonomy.yaml")
        #expect(taxonomy.definitions.count >= 60)
        #expect(Taxonomy.builtIn.definitions.count == taxonomy.definitions.count)
        let topics = ["politics", "economy", "crime", "health", "drugs", "conflict", "diplomacy", "technology", "science",
                      "climate", "sport", "culture", "disasters", "immigration", "trade", "elections"]
        for slug in topics { #expect(taxonomy.definition(for: slug)?.slug == slug, "missing topic \(slug)") }
    }

    @Test(arguments: [("u.s.", "united-states"), ("US", "united-states"), ("USA", "united-states"),
                      ("United States", "united-states"), ("American", "united-states"), ("PRC", "china"),
                      ("Chinese", "china"), ("UK", "united-kingdom"), ("British", "united-kingdom"),
                      ("narcotics", "drugs"), ("business", "economy"), ("Ukrainian", "ukraine")])
    func aliasesNameOneTag(_ alias: String, _ slug: String) {
        #expect(Taxonomy.builtIn.canonicalSlug(for: alias) == slug)
    }

    @Test(arguments: ["000_cec38e9690f741cb.txt", "002_c94ece29d17d2aab.txt"])
    func seedsCarryChinaUnitedStatesAndDrugs(_ seed: String) throws {
        let bytes = try [UInt8](DaemonHarness.seed(seed))
        let extracted = try ArticlePipeline().process(SourceFile(name: seed, bytes: bytes)).get()
        let slugs = Set(extracted.tags.map(\.slug))
        for slug in ["china", "united-states", "drugs"] { #expect(slugs.contains(slug), "\(seed): \(slugs.sorted())") }
        // Even without their declared tags, the rules alone find all three.
        var article = extracted.article
        article.explicitTags = []
        let ruled = Set(Tagger.ruleMatches(article, taxonomy: .builtIn).map(\.slug))
        for slug in ["china", "united-states", "drugs"] { #expect(ruled.contains(slug), "\(seed) rules: \(ruled.sorted())") }
    }

    @Test func declaredTagsAreNormalizedAndUnknownOnesKept() {
        let tags = Tagger.declaredTags(["u.s.", "China", "Fentanyl", "overdoses", "USA"], taxonomy: .builtIn)
        #expect(tags.map(\.slug) == ["united-states", "china", "fentanyl", "overdoses"])
        #expect(tags.map(\.origin) == [.alias, .explicit, .explicit, .explicit])
        #expect(tags[2].name == "Fentanyl")
    }
}
