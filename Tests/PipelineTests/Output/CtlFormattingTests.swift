import Foundation
import Testing

@testable import Pipeline

/// The pure pieces of corpusctl's output: wrapping, suggestions, date arguments, export records, metrics text.
struct CtlFormattingTests {
    @Test func wrapKeepsParagraphsAndFitsTheWidth() {
        let text = "one two three four five six seven eight nine ten\n\nshort"
        let wrapped = TextWrap.wrap(text, width: 20, indent: "  ")
        #expect(wrapped == "  one two three four\n  five six seven\n  eight nine ten\n\n  short")
        #expect(wrapped.split(separator: "\n").allSatisfy { $0.count <= 20 })
        // A word longer than the width stands alone rather than being cut.
        #expect(TextWrap.wrap("a supercalifragilistic b", width: 12) == "a\nsupercalifragilistic\nb")
    }

    @Test func suggestsTheClosestNameOnlyWhenPlausible() {
        let tags = ["china", "climate", "crime", "shipping"]
        #expect(Suggest.closest(to: "chna", among: tags) == "china")
        #expect(Suggest.closest(to: "shiping", among: tags) == "shipping")
        #expect(Suggest.closest(to: "astronomy", among: tags) == nil)
    }

    @Test func dateArgumentsAreAgesDatesOrTimes() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(DateArgument.parse("7d", now: now) == now.addingTimeInterval(-7 * 86400))
        #expect(DateArgument.parse("36h", now: now) == now.addingTimeInterval(-36 * 3600))
        #expect(DateArgument.parse("2w", now: now) == now.addingTimeInterval(-14 * 86400))
        #expect(DateArgument.parse("2024-01-26", now: now) == Date(timeIntervalSince1970: 1_706_227_200))
        #expect(DateArgument.parse("2024-01-26T10:00:00Z", now: now) == Date(timeIntervalSince1970: 1_706_263_200))
        #expect(DateArgument.parse("last tuesday", now: now) == nil)
        #expect(DateArgument.parse("7x", now: now) == nil)
    }

    @Test func csvQuotesOnlyWhatNeedsIt() throws {
        let document = DocumentDetail(
            id: 7, title: "Talks, at last", source: "Paper", url: nil, published: nil, byline: nil, summary: nil,
            body: "He said \"no\".\nThen left.", wordCount: 5, encoding: "utf-8", itemID: 9, file: "a.txt",
            ingestedAt: Date(timeIntervalSince1970: 0), tags: ["a", "b"])
        let line = try ExportFormat.csv.record(document)
        #expect(line == "7,\"Talks, at last\",Paper,,,,a;b,a.txt,1970-01-01T00:00:00Z,5,,\"He said \"\"no\"\".\nThen left.\"\r\n")
        let json = try ExportFormat.jsonl.record(document)
        #expect(json.hasSuffix("\n") && !json.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["url"] is NSNull)
        #expect(object["tags"] as? [String] == ["a", "b"])
        #expect(object["word_count"] as? Int == 5)
    }

    @Test func prometheusTextIsReadBack() {
        let text = """
            # TYPE corpusd_outcomes_total counter
            corpusd_outcomes_total{outcome="stored"} 4
            corpusd_outcomes_total{outcome="failed"} 1
            corpusd_documents 4.0
            odd{a="x,\\"y\\"",b="z"} 2
            """
        let samples = PrometheusText.parse(text)
        #expect(samples["corpusd_outcomes_total"]?.count == 2)
        #expect(samples["corpusd_outcomes_total"]?.first == .init(labels: ["outcome": "stored"], value: 4))
        #expect(samples["corpusd_documents"]?.first?.value == 4)
        #expect(samples["odd"]?.first?.labels == ["a": "x,\"y\"", "b": "z"])
    }

    @Test func searchResultsSplitHitsFromTheSnippetAndHighlightAfterWrapping() {
        let summary = DocumentSummary(id: 3, title: "Storm", source: "Gazette", published: nil, byline: nil, url: nil,
                                      tags: [], file: "a.txt", ingestedAt: Date(timeIntervalSince1970: 0), wordCount: 10)
        let marked = "the \u{2}harbour\u{3} closed and the \u{2}harbour\u{3} master spoke"
        let result = SearchResult(SearchHit(document: summary, rank: -1.23456, markedSnippet: marked))
        #expect(result.snippet == "the harbour closed and the harbour master spoke")
        #expect(result.hits == ["harbour", "harbour"])
        #expect(result.rank == -1.235)
        let coloured = SearchResult.render([result], width: 24, style: TextStyle(color: true))
        #expect(coloured.components(separatedBy: "\u{1B}[1;33mharbour\u{1B}[0m").count == 3)
        let plain = SearchResult.render([result], width: 24, style: TextStyle(color: false))
        #expect(!plain.contains("\u{1B}"))
        #expect(plain.split(separator: "\n").allSatisfy { $0.count <= 24 })
    }

    @Test func progressBarFillsInProportion() {
        let half = ProgressBar.line(done: 5, total: 10, width: 30)
        #expect(half == "[###########------------] 5/10")
        #expect(half.count == 30)
        #expect(ProgressBar.line(done: 0, total: 0, width: 30).hasSuffix(" 0/0"))
    }

    @Test func listColumnsAreParsedByName() {
        #expect((try? ListColumn.parse("id, title,words").get()) == [.id, .title, .words])
        #expect((try? ListColumn.parse("id,colour").get()) == nil)
    }
}
