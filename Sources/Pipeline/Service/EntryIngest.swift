import Dispatch
import Foundation
import Logging

/// Brings files that list several articles — feeds, JSON lists, JSON Lines — to their outcomes, one
/// child item per entry (see docs/ARCHITECTURE.md, "Files with several articles").
///
/// The container item is claimed like any file. Its entries are recorded as child items in chunks (one
/// transaction each), keyed by (container, entry index); then the container gets its own outcome, and
/// the caller moves the original. Replay after a crash skips entries already stored or duplicate and
/// redoes the rest, so no entry is ever recorded twice. JSON Lines are streamed (gzip too): memory is
/// bounded by the chunk size and the longest line, never by the file.
struct EntryIngest: Sendable {
    let database: CorpusDatabase
    let files: InboxFiles
    let worker: String
    /// The ingestor's settings, read when used, so that a reload's folder-tag setting applies here too.
    let settings: Live<Ingestor.Settings>
    let logger: Logger
    var nearDuplicates = NearDuplicateSettings()
    var lease: TimeInterval { settings.value.lease }
    var maxAttempts: Int { settings.value.maxAttempts }
    var folderTags: Bool { settings.value.folderTags }
    /// Entries recorded per transaction.
    var chunkSize = 512

    /// The most a streamed file may hold (decompressed, for gzip): 64 × the per-file limit.
    var streamLimit: Int64 { files.maxFileSize * 64 }

    /// A container brought to its outcome: where its original goes, and what its entries became.
    struct Settled: Sendable {
        var id: Int64
        var path: InboxPath
        var state: ItemState
        var outcomes: [ItemOutcome]

        /// The entries' outcomes (and the file's own, when it was one article), for health and metrics.
        var recorded: [RecordedItem] { outcomes.map { RecordedItem(id: id, path: path, outcome: $0, firstSeen: nil) } }
    }

    /// Claimed items whose content lists several articles, and the rest (which take the one-file path).
    func partition(_ claimed: [ClaimedItem]) -> (containers: [(ClaimedItem, DetectedFormat)], singles: [ClaimedItem]) {
        var containers: [(ClaimedItem, DetectedFormat)] = []
        var singles: [ClaimedItem] = []
        for item in claimed {
            if item.attempts <= maxAttempts, let head = files.head(item.path, count: FormatDetection.headSize),
                let detected = try? FormatDetection.detect(name: item.path.fileName, head: head[...]),
                detected.format.isContainer
            {
                containers.append((item, detected))
            } else {
                singles.append(item)
            }
        }
        return (containers, singles)
    }

    /// Records every entry and then the container. Returns nil when storage failed: the container is
    /// released back to the queue with a back-off, as a batch would be.
    func ingest(_ item: ClaimedItem, format: DetectedFormat, pipeline: ArticlePipeline) -> Settled? {
        do {
            var outcomes: [ItemOutcome] = []
            var failure: String?
            var rawHash: Digest?
            if format.format == .jsonLines {
                failure = try stream(item, gzip: format.gzip, pipeline: pipeline, outcomes: &outcomes)
            } else {
                switch files.readOrFail(item.path) {
                case .failure(let why):
                    failure = why.description
                case .success(let (bytes, mtime)):
                    rawHash = Digest.sha256(bytes)
                    let file = SourceFile(name: item.path.fileName, bytes: bytes, modified: Date(timeIntervalSince1970: mtime))
                    switch pipeline.extract(file, folderTags: tags(item)) {
                    case .article(let result):
                        // One article after all (a single JSON object), or a file that failed as a whole:
                        // the file's own outcome, recorded as any file's.
                        let recorded = try database.record(
                            [ProcessedItem(item: item, rawHash: rawHash, result: result.mapError(IntakeFailure.pipeline))], now: Date(),
                            policy: nearDuplicates.policy)
                        return recorded.first.map { Settled(id: $0.id, path: $0.path, state: $0.outcome.state, outcomes: [$0.outcome]) }
                    case .entries(let results):
                        let settled = try database.settledEntries(of: item.id)
                        let entries = results.enumerated().compactMap { offset, result in
                            settled.contains(offset + 1) ? nil : ProcessedEntry(index: offset + 1, result: result.mapError(IntakeFailure.pipeline))
                        }
                        var start = 0
                        while start < entries.count {
                            let end = min(entries.count, start + chunkSize)
                            outcomes += try database.recordEntries(Array(entries[start..<end]), of: item, now: Date(),
                                                                   policy: nearDuplicates.policy)
                            start = end
                        }
                    }
                }
            }
            let state = try database.finishContainer(item, rawHash: rawHash, failureReason: failure, now: Date())
            let counts = try database.entryCounts(of: item.id)
            logger.info("split into entries", metadata: [
                "item": "\(item.id)", "file": "\(item.path)", "format": "\(format.format.rawValue)\(format.gzip ? "+gzip" : "")",
                "stored": "\(counts.stored)", "duplicate": "\(counts.duplicate)", "failed": "\(counts.failed)",
                "outcome": "\(state.rawValue)",
            ])
            if let failure { logger.warning("failed", metadata: ["item": "\(item.id)", "file": "\(item.path)", "reason": "\(failure)"]) }
            return Settled(id: item.id, path: item.path, state: state, outcomes: outcomes)
        } catch {
            let delay = min(60, pow(2, Double(min(item.attempts, 6))))
            logger.error("could not record the entries of a file; will retry", metadata: [
                "item": "\(item.id)", "error": "\(error)", "retry_in_s": "\(Int(delay))",
            ])
            try? database.release([item.id], error: "retrying after: \(error)", notBefore: Date().addingTimeInterval(delay))
            return nil
        }
    }

    private func tags(_ item: ClaimedItem) -> [String] { folderTags ? item.path.folders : [] }

    /// Streams a JSON Lines file (or its gzip) line by line; each non-blank line is an entry numbered by
    /// its line. Returns why the file as a whole failed (unreadable, over the stream limit, a cut-off gzip),
    /// or nil; entries read before such a failure stay recorded. Throws only storage errors.
    private func stream(_ item: ClaimedItem, gzip: Bool, pipeline: ArticlePipeline, outcomes: inout [ItemOutcome]) throws -> String? {
        let input: InboxStream
        switch files.openStream(item.path) {
        case .failure(let why): return why.description
        case .success(let opened): input = opened
        }
        let modified = Date(timeIntervalSince1970: input.mtime)
        let settled = try database.settledEntries(of: item.id)
        var lines = LineSplitter(maxLine: Int(min(files.maxFileSize, Int64(Int.max))))
        var pending: [LineSplitter.Line] = []
        let inflater: Inflater?
        do { inflater = gzip ? try Inflater(limit: streamLimit) : nil } catch { return error.description }
        var read: Int64 = 0
        var failure: String?

        func take(_ piece: ArraySlice<UInt8>) {
            lines.feed(piece) { line in if !settled.contains(line.number) { pending.append(line) } }
        }
        reading: while true {
            let chunk: [UInt8]
            switch input.read(upTo: 256 * 1024) {
            case .failure(let why):
                failure = why.description
                break reading
            case .success(let bytes): chunk = bytes
            }
            if chunk.isEmpty { break }
            if let inflater {
                do {
                    try inflater.feed(chunk[...]) { (piece) throws(PipelineError) in take(piece) }
                } catch {
                    failure = error.description
                    break reading
                }
            } else {
                read += Int64(chunk.count)
                if read > streamLimit {
                    failure = PipelineError.tooLarge(limit: streamLimit).description
                    break reading
                }
                take(chunk[...])
            }
            if pending.count >= chunkSize {
                outcomes += try record(pending, of: item, modified: modified, pipeline: pipeline)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if failure == nil, let inflater {
            do { try inflater.finish() } catch { failure = error.description }
        }
        lines.finish { line in if !settled.contains(line.number) { pending.append(line) } }
        outcomes += try record(pending, of: item, modified: modified, pipeline: pipeline)
        return failure
    }

    /// Runs the pipeline over lines in parallel, then records them in one transaction.
    private func record(_ lines: [LineSplitter.Line], of item: ClaimedItem, modified: Date, pipeline: ArticlePipeline) throws -> [ItemOutcome] {
        guard !lines.isEmpty else { return [] }
        let folderTags = tags(item)
        let limit = files.maxFileSize
        let results = lines.concurrentMap { line -> ProcessedEntry? in
            let result: Result<ExtractedArticle, IntakeFailure>?
            switch line.content {
            case .tooLong(let size):
                result = .failure(.tooLarge(size: Int64(size), limit: limit))
            case .text(let bytes):
                result = pipeline.jsonLine(bytes[...], modified: modified, folderTags: folderTags)?.mapError(IntakeFailure.pipeline)
            }
            return result.map { ProcessedEntry(index: line.number, result: $0) }
        }
        let entries = results.compactMap { $0 }
        let outcomes = try database.recordEntries(entries, of: item, now: Date(), policy: nearDuplicates.policy)
        try database.extendLease(item.id, worker: worker, until: Date().addingTimeInterval(lease))
        return outcomes
    }
}

extension EntryIngest {
    /// Line `number` of a JSON Lines file (or its gzip), streamed as `stream` reads it: only that line is kept.
    static func line(_ number: Int, of path: InboxPath, in files: InboxFiles, gzip: Bool) -> Result<([UInt8], Double), IntakeFailure> {
        let input: InboxStream
        switch files.openStream(path) {
        case .failure(let why): return .failure(why)
        case .success(let opened): input = opened
        }
        var lines = LineSplitter(maxLine: Int(min(files.maxFileSize, Int64(Int.max))))
        var found: LineSplitter.Content?
        let inflater: Inflater?
        do throws(PipelineError) { inflater = gzip ? try Inflater(limit: files.maxFileSize * 64) : nil } catch {
            return .failure(.pipeline(error))
        }
        func take(_ piece: ArraySlice<UInt8>) {
            lines.feed(piece) { line in if line.number == number { found = line.content } }
        }
        while found == nil {
            let chunk: [UInt8]
            switch input.read(upTo: 256 * 1024) {
            case .failure(let why): return .failure(why)
            case .success(let bytes): chunk = bytes
            }
            if chunk.isEmpty { break }
            if let inflater {
                do throws(PipelineError) { try inflater.feed(chunk[...]) { (piece) throws(PipelineError) in take(piece) } } catch {
                    return .failure(.pipeline(error))
                }
            } else {
                take(chunk[...])
            }
        }
        if found == nil { lines.finish { line in if line.number == number { found = line.content } } }
        switch found {
        case .text(let bytes)?: return .success((bytes, input.mtime))
        case .tooLong(let size)?: return .failure(.tooLarge(size: Int64(size), limit: files.maxFileSize))
        case nil: return .failure(.unreadable("line \(number) is no longer there"))
        }
    }
}

/// Cuts a byte stream into numbered lines, keeping at most `maxLine` bytes of any one: a longer line
/// is reported by its size and skipped, so one runaway line (or a bomb with no newline) costs no memory.
struct LineSplitter {
    enum Content {
        case text([UInt8])
        case tooLong(Int)
    }

    struct Line {
        var number: Int
        var content: Content
    }

    let maxLine: Int
    private var current: [UInt8] = []
    private var currentSize = 0
    private var number = 1

    init(maxLine: Int) { self.maxLine = maxLine }

    mutating func feed(_ bytes: ArraySlice<UInt8>, _ emit: (Line) -> Void) {
        var rest = bytes
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            append(rest[..<newline])
            emitCurrent(emit)
            rest = rest[(newline + 1)...]
        }
        append(rest)
    }

    mutating func finish(_ emit: (Line) -> Void) {
        if currentSize > 0 { emitCurrent(emit) }
    }

    private mutating func append(_ bytes: ArraySlice<UInt8>) {
        currentSize += bytes.count
        if currentSize <= maxLine { current.append(contentsOf: bytes) } else { current.removeAll() }
    }

    private mutating func emitCurrent(_ emit: (Line) -> Void) {
        let content: Content = currentSize > maxLine ? .tooLong(currentSize) : .text(current)
        // A blank line is no entry, but it still counts for numbering.
        if currentSize > 0 { emit(Line(number: number, content: content)) }
        number += 1
        current.removeAll(keepingCapacity: true)
        currentSize = 0
    }
}
