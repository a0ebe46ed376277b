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
    /// Entries recorded per transaction. Small enough that a transaction's pages fit the writer's page cache
    /// (`CorpusDatabase.writerCacheKiB`): a larger one spills dirty pages to the WAL mid-transaction and reads them
    /// back (512 entries did: at 225 k documents a third of the writer's page reads and writes were spills).
    var chunkSize = 128
    /// Given back the memory a long container frees as it goes (the ingestor's).
    var trimmer: MallocTrimmer?
    /// Told each chunk's outcomes once it is committed (and the file's own, when a container turns out to be one
    /// article): the ingestor counts them and marks the batch as progressing. Outcomes are not kept beyond it,
    /// so a batch of many large containers holds none of them.
    var recorded: (@Sendable ([ItemOutcome]) -> Void)?
    /// Shared with the ingestor: parsing leaves the writer a core while a chunk is recorded.
    var cores: CoreShare?

    /// The most a streamed file may hold (decompressed, for gzip): 64 × the per-file limit.
    var streamLimit: Int64 { files.maxFileSize * 64 }

    /// A container brought to its outcome: where its original goes, and how many of its entries this ingest recorded
    /// (not those an earlier, interrupted run stored or found duplicate). Their outcomes went to `recorded`.
    struct Settled: Sendable {
        var id: Int64
        var path: InboxPath
        var state: ItemState
        var entries: Int
    }

    /// Claimed items whose content lists several articles, and the rest (which take the one-file path),
    /// each with the verdict on its head so that the pipeline need not sniff it again. Heads are read and
    /// sniffed in parallel.
    func partition(_ claimed: [ClaimedItem]) -> (containers: [(ClaimedItem, DetectedFormat)], singles: [(ClaimedItem, FormatDetection.Verdict?)]) {
        let maxAttempts = maxAttempts
        let verdicts = claimed.concurrentMap(sharing: cores) { [files] item -> FormatDetection.Verdict? in
            guard item.attempts <= maxAttempts, let head = files.head(item.path, count: FormatDetection.headSize) else { return nil }
            return FormatDetection.Verdict(name: item.path.fileName, head: head)
        }
        var containers: [(ClaimedItem, DetectedFormat)] = []
        var singles: [(ClaimedItem, FormatDetection.Verdict?)] = []
        for (item, verdict) in zip(claimed, verdicts) {
            if case .success(let detected)? = verdict?.result, detected.format.isContainer {
                containers.append((item, detected))
            } else {
                singles.append((item, verdict))
            }
        }
        return (containers, singles)
    }

    /// Records every entry and then the container. Returns nil when storage failed: the container is
    /// released back to the queue with a back-off, as a batch would be.
    func ingest(_ item: ClaimedItem, format: DetectedFormat, pipeline: ArticlePipeline) -> Settled? {
        do {
            // Entries an earlier, interrupted run stored or found duplicate: skipped now (a failed one is tried again).
            let settled = try database.settledEntries(of: item.id)
            var failure: String?
            var rawHash: Digest?
            var streamed = true
            switch format.format {
            case .jsonLines: failure = try stream(item, gzip: format.gzip, pipeline: pipeline, skipping: settled)
            case .rss, .atom: failure = try streamFeed(item, gzip: format.gzip, pipeline: pipeline, skipping: settled)
            case .json:
                switch try streamList(item, gzip: format.gzip, pipeline: pipeline, skipping: settled) {
                case .done(let why): failure = why
                // One article object, not a list: read whole below, as any one-article file.
                case .notAList: streamed = false
                }
            case .plainText, .html: streamed = false
            }
            if !streamed {
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
                        self.recorded?(recorded.map(\.outcome))
                        return recorded.first.map { Settled(id: $0.id, path: $0.path, state: $0.outcome.state, entries: 1) }
                    case .entries(let results):
                        let entries = results.enumerated().compactMap { offset, result in
                            settled.contains(offset + 1) ? nil : ProcessedEntry(index: offset + 1, result: result.mapError(IntakeFailure.pipeline))
                        }
                        var start = 0
                        while start < entries.count {
                            let end = min(entries.count, start + chunkSize)
                            let outcomes = try database.recordEntries(Array(entries[start..<end]), of: item, now: Date(),
                                                                      policy: nearDuplicates.policy)
                            self.recorded?(outcomes)
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
            return Settled(id: item.id, path: item.path, state: state, entries: counts.total - settled.count)
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
    private func stream(_ item: ClaimedItem, gzip: Bool, pipeline: ArticlePipeline, skipping settled: Set<Int>) throws -> String? {
        let source: ByteSource
        switch open(item, gzip: gzip) {
        case .failure(let why): return why.description
        case .success(let opened): source = opened
        }
        let modified = source.modified
        var lines = LineSplitter(maxLine: Int(min(files.maxFileSize, Int64(Int.max))))
        var pending: [LineSplitter.Line] = []
        // Chunk n is recorded while chunk n + 1 is read and parsed.
        let recorder = ChunkRecorder()
        defer { recorder.drain() }
        // A piece of the file (a gzip's inflated output especially) can hold many lines: they go in chunks of
        // `chunkSize` at most, the rest waiting for the next piece.
        func record(_ lines: ArraySlice<LineSplitter.Line>) throws {
            try recorder.submit(recording(parsed(Array(lines), modified: modified, folderTags: tags(item), pipeline: pipeline), of: item))
        }
        var ended = false
        repeat {
            let keep = { (line: LineSplitter.Line) in if !settled.contains(line.number) { pending.append(line) } }
            if let chunk = source.next() { lines.feed(chunk[...], keep) } else { lines.finish(keep); ended = true }
            // Full chunks while the file goes on; at its end, the rest too.
            while pending.count >= (ended ? 1 : chunkSize) {
                try record(pending.prefix(chunkSize))
                pending.removeFirst(min(chunkSize, pending.count))
            }
        } while !ended
        try recorder.finish()
        return source.failure
    }

    enum ListEnd {
        /// The list was read (or failed as a whole with this reason, after the entries before the break).
        case done(String?)
        /// The document holds no list.
        case notAList
    }

    /// Streams a JSON list (or a wrapper's list) entry by entry: `JSONListSplitter` holds one entry at a
    /// time, and entries are recorded in chunks as they come, so memory never grows with the file.
    private func streamList(_ item: ClaimedItem, gzip: Bool, pipeline: ArticlePipeline, skipping settled: Set<Int>) throws -> ListEnd {
        let source: ByteSource
        switch open(item, gzip: gzip) {
        case .failure(let why): return .done(why.description)
        case .success(let opened): source = opened
        }
        var splitter = JSONListSplitter(maxEntry: Int(min(files.maxFileSize, Int64(Int.max))))
        var pending: [(index: Int, content: JSONListSplitter.Content)] = []
        var pendingBytes = 0
        var notAList = false
        var failure: String?
        let emit = { (event: JSONListSplitter.Event) in
            switch event {
            case .entry(let index, let content):
                guard !settled.contains(index) else { return }
                if case .bytes(let bytes) = content { pendingBytes += bytes.count }
                pending.append((index, content))
            case .whole:
                notAList = true
            }
        }
        let modified = source.modified
        // Chunk n is recorded while chunk n + 1 is read and parsed.
        let recorder = ChunkRecorder()
        defer { recorder.drain() }
        /// Records the first `chunkSize` pending entries (all, when fewer): a piece of the file can hold many.
        func flush() throws {
            let contents = Array(pending.prefix(chunkSize))
            let fields = contents.concurrentMap(sharing: cores) { entry in (entry.index, JSONArticles.fields(entry.content, modified: modified)) }
            try recorder.submit(recording(parsed(fields: fields, of: item, pipeline: pipeline), of: item))
            pending.removeFirst(contents.count)
            pendingBytes = pending.reduce(0) { total, entry in
                if case .bytes(let bytes) = entry.content { total + bytes.count } else { total }
            }
        }
        reading: while let chunk = source.next() {
            do {
                try splitter.feed(chunk[...], emit)
            } catch {
                failure = error.description
                break reading
            }
            while pending.count >= chunkSize || pendingBytes >= Self.chunkBytes { try flush() }
        }
        if failure == nil {
            if let why = source.failure {
                failure = why
            } else {
                do { try splitter.finish(emit) } catch { failure = error.description }
            }
        }
        repeat { try flush() } while !pending.isEmpty
        try recorder.finish()
        return notAList ? .notAList : .done(failure)
    }

    /// Streams an RSS or Atom feed with libxml2's reader: one entry's tree at a time, recorded in chunks.
    private func streamFeed(_ item: ClaimedItem, gzip: Bool, pipeline: ArticlePipeline, skipping settled: Set<Int>) throws -> String? {
        let source: ByteSource
        switch open(item, gzip: gzip) {
        case .failure(let why): return why.description
        case .success(let opened): source = opened
        }
        // The encoding is judged from the start of the stream, as it would be from the whole file.
        var first = source.next()
        let encoding = first.map { FeedReader.streamEncoding(head: $0.prefix(FormatDetection.headSize)) } ?? nil
        let pull = { () -> [UInt8]? in
            if let head = first {
                first = nil
                return head
            }
            return source.next()
        }
        var pending: [(Int, Result<ArticleFields, PipelineError>)] = []
        var storageError: (any Error)?
        var failure: String?
        do {
            try FeedReader.read(pull: pull, encoding: encoding, modified: source.modified) { index, fields in
                guard !settled.contains(index) else { return true }
                pending.append((index, fields))
                guard pending.count >= chunkSize else { return true }
                do {
                    try recording(parsed(fields: pending, of: item, pipeline: pipeline), of: item)()
                    pending.removeAll(keepingCapacity: true)
                    return true
                } catch {
                    storageError = error
                    return false
                }
            }
        } catch {
            failure = error.description
        }
        if let storageError { throw storageError }
        try recording(parsed(fields: pending, of: item, pipeline: pipeline), of: item)()
        // A cut-off gzip stream or an unreadable file says more than the XML error it causes.
        return source.failure ?? failure
    }

    /// Bytes of pending entries that make a chunk be recorded even before it has `chunkSize` entries.
    static let chunkBytes = 8 << 20

    /// Runs entries read together through the pipeline in parallel, furniture learned across them; their
    /// near-duplicate look-ups are made ahead, beside the recording of the chunk before.
    private func parsed(fields: [(Int, Result<ArticleFields, PipelineError>)], of item: ClaimedItem, pipeline: ArticlePipeline) -> [ProcessedEntry] {
        guard !fields.isEmpty else { return [] }
        let known = ArticleFields.boilerplate(of: fields.map(\.1))
        let folderTags = tags(item)
        return database.lookingAhead(fields.concurrentMap(sharing: cores) { index, result in
            ProcessedEntry(index: index, result: pipeline.entry(result, known: known, folderTags: folderTags).mapError(IntakeFailure.pipeline))
        }, policy: nearDuplicates.policy, sharing: cores)
    }

    /// The work that records entries read together in one transaction, extends the container's lease and tells
    /// `recorded` what became of them.
    private func recording(_ entries: [ProcessedEntry], of item: ClaimedItem) -> @Sendable () throws -> Void {
        let (database, worker, lease, policy, trimmer, recorded, cores) =
            (database, worker, lease, nearDuplicates.policy, trimmer, recorded, cores)
        return {
            guard !entries.isEmpty else { return }
            let record = {
                try database.recordEntries(entries, of: item, now: Date(), policy: policy,
                                           lease: (worker, Date().addingTimeInterval(lease)))
            }
            let outcomes = try cores.map { try $0.recording(record) } ?? record()
            recorded?(outcomes)
            trimmer?.afterWork()
        }
    }

    private func open(_ item: ClaimedItem, gzip: Bool) -> Result<ByteSource, IntakeFailure> {
        files.openStream(item.path).flatMap { input in
            do throws(PipelineError) {
                return .success(ByteSource(input: input, inflater: gzip ? try Inflater(limit: streamLimit) : nil, limit: streamLimit))
            } catch {
                return .failure(.pipeline(error))
            }
        }
    }

    /// Runs the pipeline over lines in parallel; their near-duplicate look-ups are made ahead, beside the
    /// recording of the chunk before.
    private func parsed(_ lines: [LineSplitter.Line], modified: Date, folderTags: [String], pipeline: ArticlePipeline) -> [ProcessedEntry] {
        guard !lines.isEmpty else { return [] }
        let limit = files.maxFileSize
        let results = lines.concurrentMap(sharing: cores) { line -> ProcessedEntry? in
            let result: Result<ExtractedArticle, IntakeFailure>?
            switch line.content {
            case .tooLong(let size):
                result = .failure(.tooLarge(size: Int64(size), limit: limit))
            case .text(let bytes):
                result = pipeline.jsonLine(bytes[...], modified: modified, folderTags: folderTags)?.mapError(IntakeFailure.pipeline)
            }
            return result.map { ProcessedEntry(index: line.number, result: $0) }
        }
        return database.lookingAhead(results.compactMap { $0 }, policy: nearDuplicates.policy, sharing: cores)
    }
}

/// Records a container's chunks of entries one after another on a queue of its own, so that the next chunk
/// is read and parsed while one is being recorded: at most one chunk is being recorded at a time, in the
/// order given. A storage error stops the rest: the next `submit`, or `finish`, throws it.
final class ChunkRecorder: @unchecked Sendable {
    private let queue = DispatchQueue(label: "corpusd.entry-recording")
    private let group = DispatchGroup()
    // Written on `queue` while a chunk is in flight; read by the caller only after `group.wait()`.
    private var failure: (any Error)?

    /// Waits for the chunk before (throwing its error, if it failed), then starts recording this one.
    func submit(_ record: @escaping @Sendable () throws -> Void) throws {
        try waitForPrevious()
        group.enter()
        queue.async {
            do { try record() } catch { self.failure = error }
            self.group.leave()
        }
    }

    /// Returns once the last chunk is recorded; throws the error of one that failed.
    func finish() throws {
        try waitForPrevious()
    }

    /// Waits for the chunk in flight, if any, whatever became of it: no recording outlives the caller.
    func drain() { group.wait() }

    private func waitForPrevious() throws {
        group.wait()
        if let failure { throw failure }
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

/// A streamed inbox file's bytes, decompressed when it is gzip, piece by piece, never over `limit`.
/// After the last piece, `failure` says why the stream stopped early, if it did.
final class ByteSource {
    private let input: InboxStream
    private let inflater: Inflater?
    private let limit: Int64
    private var read: Int64 = 0
    private var ended = false
    private(set) var failure: String?

    init(input: InboxStream, inflater: Inflater?, limit: Int64) {
        self.input = input
        self.inflater = inflater
        self.limit = limit
    }

    var modified: Date { Date(timeIntervalSince1970: input.mtime) }

    /// The next piece; nil at the end of the stream or on a failure.
    func next() -> [UInt8]? {
        while !ended {
            // Compressed input is read in small pieces: one piece of a gzip bomb inflates at most ~1000-fold.
            switch input.read(upTo: inflater == nil ? 256 * 1024 : 16 * 1024) {
            case .failure(let why):
                return stop(why.description)
            case .success(let chunk) where chunk.isEmpty:
                ended = true
                if let inflater {
                    do { try inflater.finish() } catch { failure = error.description }
                }
                return nil
            case .success(let chunk):
                guard let inflater else {
                    read += Int64(chunk.count)
                    if read > limit { return stop(PipelineError.tooLarge(limit: limit).description) }
                    return chunk
                }
                var out: [UInt8] = []
                do {
                    try inflater.feed(chunk[...]) { (piece) throws(PipelineError) in out.append(contentsOf: piece) }
                } catch {
                    return stop(error.description)
                }
                if !out.isEmpty { return out }
            }
        }
        return nil
    }

    private func stop(_ why: String) -> [UInt8]? {
        failure = why
        ended = true
        return nil
    }
}
