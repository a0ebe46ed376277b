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

/// `PublishedTime.iso8601` by arithmetic gives what Foundation's Gregorian calendar and `String(format:)` give.
struct PublishedTimeFormatTests {
    @Test func theArithmeticMatchesTheCalendar() {
        var random = SplitMix64(seed: 86_400)
        let offsets: [Int?] = [nil, 0, 3600, -18_000, 19_800, 20_700, -34_200, 50_400, -43_200, 45, -3_661]
        var compared = 0
        for _ in 0..<20_000 {
            // 1600-01-01 … 2200-01-01, with fractions of a second, before and after 1970.
            let seconds = -11_676_096_000.0 + Double(random.next(below: 18_934_560_000)) + Double(random.next(below: 1000)) / 1000
            for hasTime in [true, false] {
                let offset = offsets[random.next(below: offsets.count)]
                let time = PublishedTime(date: Date(timeIntervalSince1970: seconds), utcOffset: offset, hasTime: hasTime)
                #expect(time.iso8601 == time.calendarISO8601, "\(seconds) \(String(describing: offset)) \(hasTime)")
                compared += 1
            }
        }
        // Day and year edges: midnight, leap days, the ends of centuries.
        for text in ["1600-02-29T00:00:00Z", "1900-02-28T23:59:59Z", "2000-02-29T12:00:00Z", "1969-12-31T23:59:59Z",
                     "1970-01-01T00:00:00Z", "2100-03-01T00:00:00Z", "9999-12-31T23:59:59Z", "1500-06-01T00:00:00Z"] {
            let date = ISO8601DateFormatter().date(from: text)!
            for offset in offsets {
                let time = PublishedTime(date: date, utcOffset: offset, hasTime: true)
                #expect(time.iso8601 == time.calendarISO8601, "\(text) \(String(describing: offset))")
            }
        }
        #expect(compared == 40_000)
        #expect(PublishedTime(date: Date(timeIntervalSince1970: 1_706_285_520), utcOffset: -18_000, hasTime: true).iso8601
                == "2024-01-26T11:12:00-05:00")
    }
}
