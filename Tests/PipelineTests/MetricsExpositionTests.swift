import Foundation
import Testing

@testable import Pipeline

/// The Prometheus exposition describes every metric: a `# HELP` line beside each `# TYPE` line.
struct MetricsExpositionTests {
    @Test func everyMetricHasItsHelpText() throws {
        let metrics = DaemonMetrics(started: Date(timeIntervalSince1970: 1_700_000_000))
        metrics.queued(3)
        metrics.batchFinished(outcomes: [.stored(documentID: 1), .failed(reason: "empty file")], count: 2, duration: 0.2)
        metrics.ingested(latencies: [0.5])
        metrics.scanned(full: true)
        let text = try metrics.exposition(database: CorpusDatabase.inMemory(), databasePath: "/nonexistent/corpus.sqlite")
        let lines = text.split(separator: "\n").map(String.init)

        func names(_ prefix: String) -> [String] {
            lines.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count).prefix { $0 != " " }) }
        }
        let typed = names("# TYPE ")
        #expect(Set(typed) == Set(DaemonMetrics.help.keys), "a metric without help text, or help for no metric")
        #expect(names("# HELP ").sorted() == typed.sorted(), "one HELP line per metric")
        for name in typed {
            let help = try #require(DaemonMetrics.help[name])
            #expect(!help.isEmpty)
            let helpLine = try #require(lines.firstIndex(of: "# HELP \(name) \(help)"), "\(name): \(text)")
            // HELP comes right before its TYPE line, as the exposition format has it.
            #expect(lines[helpLine + 1].hasPrefix("# TYPE \(name) "))
        }
        #expect(lines.contains("corpusd_outcomes_total{outcome=\"stored\"} 1"))
        #expect(lines.contains("corpusd_files_queued_total 3"))
        #expect(lines.contains("corpusd_inbox_scans_total{kind=\"full\"} 1"))
        #expect(lines.contains("corpusd_start_time_seconds 1700000000.0"), "\(text)")
    }
}
