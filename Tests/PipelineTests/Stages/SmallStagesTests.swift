import Foundation
import Testing

@testable import Pipeline

struct TextDecodingTests {
    @Test func utf8WithBOMIsDecodedAndTheBOMDropped() throws {
        let decoded = try TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array("Café".utf8))
        #expect(decoded.text == "Café")
        #expect(decoded.encoding == .utf8)
    }

    @Test func invalidUTF8FallsBackToWindows1252() throws {
        // "café – “quoted”" as Windows-1252.
        let decoded = try TextDecoding.decode([0x63, 0x61, 0x66, 0xE9, 0x20, 0x96, 0x20, 0x93, 0x71, 0x94])
        #expect(decoded.text == "café – “q”")
        #expect(decoded.encoding == .windows1252)
    }

    @Test func emptyAndBinaryInputsFailWithTheirReason() {
        #expect(throws: PipelineError.empty) { try TextDecoding.decode([]) }
        #expect(throws: PipelineError.empty) { try TextDecoding.decode(Array("  \n\t\n".utf8)) }
        #expect(throws: PipelineError.binary(offset: 3)) { try TextDecoding.decode([0x41, 0x42, 0x43, 0x00, 0x44]) }
    }
}

struct DateParsingTests {
    @Test(arguments: [
        ("Friday, 26 January 2024 11:12 AM EST", "2024-01-26T11:12:00-05:00"),
        ("Jan. 26, 2024", "2024-01-26"),
        ("Published: January 26, 2024 at 3:05 p.m. PST", "2024-01-26T15:05:00-08:00"),
        ("2024-01-26T11:12:00Z", "2024-01-26T11:12:00Z"),
        ("2024-01-26T19:12:00+08:00", "2024-01-26T19:12:00+08:00"),
        ("26/01/2024", "2024-01-26"),
        ("Updated 3 March 2023 08:00 HKT", "2023-03-03T08:00:00+08:00"),
    ])
    func parsesCommonNewsDates(_ input: String, _ expected: String) {
        #expect(DateParsing.find(in: input)?.iso8601 == expected)
    }

    @Test(arguments: ["More than 80,000 people died in 2021", "Call 555-1234", "31 February 2024", "no date here"])
    func findsNoDateWhereThereIsNone(_ input: String) {
        #expect(DateParsing.find(in: input) == nil)
    }
}

struct SlugAndTaxonomyTests {
    @Test func slugsFoldCaseAccentsAndPunctuation() {
        #expect(Slug.make("U.S.") == "us")
        #expect(Slug.make("United States") == "united-states")
        #expect(Slug.make("  Côte d’Ivoire ") == "côte-divoire")
        #expect(Slug.make("Crime & Law") == "crime-law")
    }

    @Test func aliasesResolveToTheCanonicalTag() {
        #expect(Taxonomy.builtIn.definition(for: "u.s.")?.slug == "united-states")
        #expect(Taxonomy.builtIn.definition(for: "USA")?.slug == "united-states")
        #expect(Taxonomy.builtIn.definition(for: "overdoses") == nil)
    }

    @Test func anArticleWithoutATagLineGetsRuleTagsAndThePronounUsIsNotTheUS() {
        let article = ParsedArticle(
            title: "Beijing hosts talks", paragraphs: [
                "Chinese officials in Beijing said China would host the meeting. Tell us what you think.",
            ])
        let slugs = Tagger.tag(article, taxonomy: .builtIn).map(\.slug)
        #expect(slugs.contains("china"))
        #expect(!slugs.contains("united-states"))
    }
}

struct StateLayoutTests {
    @Test func precedenceIsFlagThenEnvironmentThenSystemdThenDefaults() {
        let env = ["CORPUSD_STATE_DIR": "/srv/a", "STATE_DIRECTORY": "/var/lib/x", "HOME": "/home/u"]
        #expect(StateLayout.resolve(stateDirectory: "/flag", environment: env, isRoot: false).stateDirectory == "/flag")
        #expect(StateLayout.resolve(environment: env, isRoot: false).stateDirectory == "/srv/a")
        #expect(StateLayout.resolve(environment: ["STATE_DIRECTORY": "/var/lib/x"], isRoot: false).stateDirectory == "/var/lib/x")
        #expect(StateLayout.resolve(environment: [:], isRoot: true).stateDirectory == "/var/lib/corpusd")
        #expect(StateLayout.resolve(environment: ["HOME": "/home/u"], isRoot: false).stateDirectory
                == "/home/u/.local/state/corpusd")
        #expect(StateLayout.resolve(environment: ["HOME": "/home/u", "XDG_STATE_HOME": "/xdg"], isRoot: false).stateDirectory
                == "/xdg/corpusd")
    }

    @Test func partsLiveInsideTheStateFolderUnlessOverridden() {
        let layout = StateLayout.resolve(stateDirectory: "/s", inbox: "/drop", environment: [:], isRoot: false)
        #expect(layout.inbox == "/drop")
        #expect(layout.archive == "/s/archive")
        #expect(layout.failed == "/s/failed")
        #expect(layout.database == "/s/corpus.sqlite")
        #expect(layout.controlSocket == "/s/control.sock")
        let systemd = StateLayout.resolve(environment: ["STATE_DIRECTORY": "/var/lib/corpusd", "RUNTIME_DIRECTORY": "/run/corpusd"],
                                          isRoot: false)
        #expect(systemd.controlSocket == "/run/corpusd/control.sock")
    }
}

struct TextTableTests {
    @Test func columnsAlignAndFlexibleOnesShrinkToFit() {
        let table = TextTable(
            columns: [.init("ID", alignRight: true), .init("TITLE", flexible: true, minWidth: 10)],
            rows: [["1", "short"], ["12", String(repeating: "long title ", count: 20)]])
        let lines = table.render(width: 40).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.count <= 40 })
        #expect(lines[1].hasPrefix(" 1  short"))
        #expect(lines[2].hasSuffix("…"))
    }
}
