import ArgumentParser
import Foundation
import Pipeline

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one document: every field, its tags and where they came from, the files that delivered it, its body.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The document id (see corpusctl list).")
    var id: Int64

    @Flag(help: "Print the original file as it was dropped (from archive/), byte for byte.")
    var raw = false

    func run() throws {
        try Output.guarded {
            let corpus = try global.openCorpus()
            guard let document = try corpus.document(id: id) else {
                throw CtlError("no document \(id)" + ((try? corpus.counts().documents).map { " (the corpus holds \($0))" } ?? ""))
            }
            let provenance = try corpus.provenance(ofDocument: id).map(QueueEntry.init)
            if raw {
                try printOriginal(of: document, provenance: provenance)
                return
            }
            var report = ShowReport(document: document, tags: try corpus.tags(ofDocument: id), provenance: provenance)
            report.kinship = try corpus.kinship(of: id)
            if global.json {
                try Output.json(report)
            } else {
                global.page(report.render(width: global.textWidth, style: global.style))
            }
        }
    }

    private func printOriginal(of document: DocumentDetail, provenance: [QueueEntry]) throws {
        guard let original = provenance.first(where: { $0.id == document.itemID })?.original else {
            throw CtlError("the original file of document \(document.id) (\(document.file)) has not been archived yet")
        }
        let path = global.layout.stateDirectory + "/" + original
        guard let handle = FileHandle(forReadingAtPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw GlobalOptions.permissionDenied(path: path) }
            throw CtlError("the original file of document \(document.id) is no longer at \(path)")
        }
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            FileHandle.standardOutput.write(chunk)
        }
    }
}
