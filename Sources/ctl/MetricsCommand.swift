import ArgumentParser
import Foundation
import Pipeline

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the running daemon's counters and histograms in Prometheus text format.",
        discussion: """
            With --json: metric name → samples ({labels, value}). corpusd --metrics-file PATH writes the same
            text to a file every few seconds, for node_exporter's textfile collector.
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Output.guarded {
            let text = try global.control(.metrics)["text"]?.string ?? ""
            if global.json {
                try Output.json(PrometheusText.parse(text))
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
