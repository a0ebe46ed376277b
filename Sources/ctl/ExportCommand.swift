import ArgumentParser
import Foundation
import Pipeline

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write documents with every field as JSON lines or CSV, streaming, for other tools.",
        discussion: """
            Without -o the documents go to standard output. With -o FILE they are written to a temporary file
            beside it, renamed into place when complete, and a summary is printed (as JSON with --json).
            A progress bar is shown on a terminal.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filters: FilterOptions

    @Option(help: "jsonl (one JSON object per line) or csv.")
    var format: ExportFormat = .jsonl

    @Option(help: "Only documents whose title or body matches this search.")
    var search: String?

    @Option(help: "Order: published or ingested (newest first).")
    var sort: DocumentSort = .ingested

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    struct Summary: Encodable {
        var exported: Int
        var format: String
        var file: String?
    }

    func run() throws {
        try Output.guarded {
            let corpus = try global.openCorpus()
            let filter = try filters.filter(in: corpus, text: search)
            let sink = try Sink(path: output)
            let showProgress = isatty(STDERR_FILENO) == 1 && (output != nil || isatty(STDOUT_FILENO) == 0)
            let total = showProgress ? try corpus.countDocuments(filter: filter) : 0
            var done = 0
            var lastDrawn = Date.distantPast
            do {
                if let header = format.header { try sink.write(header) }
                try corpus.forEachDocument(filter: filter, sort: sort) { document in
                    try sink.write(try format.record(document))
                    done += 1
                    if showProgress, done == total || Date().timeIntervalSince(lastDrawn) > 0.1 {
                        lastDrawn = Date()
                        let line = ProgressBar.line(done: done, total: total, width: global.textWidth)
                        FileHandle.standardError.write(Data("\r\(line)".utf8))
                    }
                }
                if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
                try sink.finish()
            } catch {
                sink.abandon()
                if let error = error as? SinkError { throw CtlError(error.description) }
                throw error
            }
            guard let output else { return }
            let summary = Summary(exported: done, format: format.rawValue, file: output)
            if global.json { try Output.json(summary) } else { Output.line("exported \(done) documents to \(output)") }
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}

struct SinkError: Error, CustomStringConvertible {
    var description: String
}

/// Standard output, or a temporary file renamed over `path` when complete; buffered.
final class Sink {
    private let handle: FileHandle
    private let path: String?
    private let temporary: String?
    private var buffer = Data()

    init(path: String?) throws {
        self.path = path
        guard let path else {
            handle = FileHandle.standardOutput
            temporary = nil
            return
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary)
        else { throw SinkError(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        self.handle = handle
        self.temporary = temporary
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw SinkError(description: "cannot write \(path ?? "standard output"): \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        try flush()
        guard let path, let temporary else { return }
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else {
            throw SinkError(description: "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    func abandon() {
        guard let temporary else { return }
        try? handle.close()
        unlink(temporary)
    }
}
