import ArgumentParser
import Foundation
import Pipeline

/// Runs the extraction pipeline on files without a daemon or database: what corpusd would store.
struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Show what corpusd would extract from files (any format it reads), without storing anything.")

    @Flag(help: "Print JSON Lines (one object per article) instead of text.")
    var json = false

    @Option(help: .hidden)
    var timeHtmlReader: Int?

    @Argument(help: "Files to read.")
    var files: [String]

    func run() throws {
        if let repeats = timeHtmlReader { return try timeReader(repeats) }
        let pipeline = ArticlePipeline()
        var failed = false
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("corpusctl: cannot read \(path)\n".utf8))
                failed = true
                continue
            }
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let file = SourceFile(name: (path as NSString).lastPathComponent, bytes: [UInt8](data),
                                  modified: attributes?[.modificationDate] as? Date)
            let results: [Result<ExtractedArticle, PipelineError>]
            switch pipeline.extract(file) {
            case .article(let result): results = [result]
            case .entries(let list): results = list
            }
            for (index, result) in results.enumerated() {
                let report = ExtractionReport(file: path, entry: results.count > 1 ? index + 1 : nil, result: result)
                if report.error != nil { failed = true }
                if json {
                    out.append(try encoder.encode(report))
                    out.append(0x0A)
                } else {
                    out.append(Data(report.text.utf8))
                }
            }
            if out.count > 1 << 20 {
                FileHandle.standardOutput.write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        FileHandle.standardOutput.write(out)
        if failed { throw ExitCode(1) }
    }
}

extension ExtractCommand {
    /// For the extraction benchmark: the HTML reader alone (page bytes → article fields and body text), in
    /// process, `repeats` times over the files after one warm-up pass. Prints one JSON object: calls, wall
    /// seconds, CPU seconds of the process over the timed loop.
    func timeReader(_ repeats: Int) throws {
        var pages: [[UInt8]] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            pages.append([UInt8](data))
        }
        var characters = 0
        for page in pages { characters += (try? HTMLReader.read(page).0.body.utf8.count) ?? 0 }
        func cpuSeconds() -> Double {
            var now = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
            return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        }
        let cpu = cpuSeconds()
        let start = ContinuousClock.now
        for _ in 0..<repeats {
            for page in pages { characters &+= (try? HTMLReader.read(page).0.body.utf8.count) ?? 0 }
        }
        let wall = ContinuousClock.now - start
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        let report: [String: Double] = ["calls": Double(repeats * pages.count), "seconds": seconds, "cpu": cpuSeconds() - cpu,
                                        "characters": Double(characters)]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// One extracted article (or the reason there is none), as `extract --json` prints it.
struct ExtractionReport: Encodable {
    var file: String
    var entry: Int?
    var title: String?
    var source: String?
    var url: String?
    var published: String?
    var byline: String?
    var tags: [String]?
    var summary: String?
    var body: String?
    var error: String?

    init(file: String, entry: Int?, result: Result<ExtractedArticle, PipelineError>) {
        self.file = file
        self.entry = entry
        switch result {
        case .failure(let why):
            error = why.description
        case .success(let extracted):
            let a = extracted.article
            title = a.title
            source = a.source
            url = a.url
            published = a.published?.iso8601
            byline = a.byline
            tags = extracted.tags.map(\.slug)
            summary = a.summary
            body = a.body
        }
    }

    var text: String {
        var lines = ["== \(file)" + (entry.map { " #\($0)" } ?? "")]
        if let error { return (lines + ["failed: \(error)", ""]).joined(separator: "\n") + "\n" }
        for (label, value) in [("title", title), ("source", source), ("url", url), ("published", published), ("byline", byline)] {
            if let value { lines.append("\(label): \(value)") }
        }
        if let tags, !tags.isEmpty { lines.append("tags: \(tags.joined(separator: ", "))") }
        lines.append("")
        lines.append(body ?? "")
        return lines.joined(separator: "\n") + "\n\n"
    }
}
