import Foundation
import Logging
import Synchronization

/// `corpusctl dedup --recheck`: the whole corpus judged again at one threshold, in both directions.
///
/// 1. Merge: every document, in id order, against earlier ones; one now similar enough becomes a
///    near-duplicate of the earliest such (`CorpusDatabase.recheckMerges`).
/// 2. Split: every near-duplicate copy below the threshold (or whose document was merged away) is read
///    again from archive/, run through the pipeline in force, and judged again (`CorpusDatabase.rejudge`):
///    it stays, moves to another document, or becomes a document of its own.
///
/// Each document and each copy is one transaction and what is settled is never selected again, so a
/// re-check that is killed part way is finished by running it again, to the same end state. The corpus
/// records the threshold as being judged (incomplete) at the start and as judged at the end.
public struct NearDuplicateRecheck: Sendable {
    let database: CorpusDatabase
    /// Rooted at the state folder: originals are read from `archive/…` with the inbox's refusals.
    let originals: InboxFiles
    let tagging: Tagging
    let settings: Live<Ingestor.Settings>
    let logger: Logger
    /// Copies read and processed in parallel, then judged one transaction each.
    var chunk = 64
    private let running = Running()

    /// One re-check at a time: two would judge the same copies at once.
    private final class Running: Sendable {
        let busy = Mutex(false)
    }

    /// True when no other re-check runs; the caller then runs one and calls `end`.
    func begin() -> Bool { running.busy.withLock { busy in defer { busy = true }; return !busy } }
    func end() { running.busy.withLock { $0 = false } }

    init(database: CorpusDatabase, layout: StateLayout, maxFileSize: Int64, tagging: Tagging,
         settings: Live<Ingestor.Settings>, logger: Logger) {
        self.database = database
        originals = InboxFiles(inbox: layout.stateDirectory, archive: layout.archive, failed: layout.failed,
                               maxFileSize: maxFileSize)
        self.tagging = tagging
        self.settings = settings
        self.logger = logger
    }

    func run(policy: NearDuplicatePolicy, progress: (Int, Int, String?) -> Void) throws -> RecheckSummary {
        var summary = RecheckSummary(threshold: policy.threshold)
        try database.recordNearJudgement(NearJudgement(threshold: policy.threshold, complete: false, judgedAt: Date()))
        summary.merged = try database.recheckMerges(policy: policy, now: Date()) { done, total in
            summary.documentsChecked = done
            progress(done, total, "documents checked")
        }
        for merge in summary.merged {
            logger.info("merged", metadata: ["doc": "\(merge.document)", "into": "\(merge.into)", "similarity": "\(merge.similarity)"])
        }
        let total = try database.countCopiesToRejudge(threshold: policy.threshold)
        var inForce = tagging.current.pipeline
        inForce.maxDecompressedSize = originals.maxFileSize
        let pipeline = inForce
        let folderTags = settings.value.folderTags
        var after: Int64 = 0
        while true {
            let copies = try database.copiesToRejudge(threshold: policy.threshold, after: after, limit: chunk)
            guard let last = copies.last else { break }
            after = last.itemID
            let read = copies.concurrentMap { reprocess($0, pipeline: pipeline, folderTags: folderTags) }
            for (copy, result) in zip(copies, read) {
                summary.copiesChecked += 1
                switch result {
                case .failure(let why):
                    summary.unreadable.append(.init(item: copy.itemID, reason: why.description))
                    logger.warning("could not judge a copy again; it stays a duplicate", metadata: [
                        "item": "\(copy.itemID)", "doc": "\(copy.documentID)", "reason": "\(why)",
                    ])
                case .success(let (extracted, raw)):
                    if case .split(let split) = try database.rejudge(copy, extracted: extracted, rawHash: raw, policy: policy,
                                                                     now: Date()) {
                        summary.split.append(split)
                        logger.info("no longer a duplicate", metadata: [
                            "item": "\(split.item)", "from": "\(split.from)", "outcome": "\(split.outcome.rawValue)",
                            "doc": "\(split.document)",
                        ])
                    }
                }
                progress(summary.copiesChecked, max(total, summary.copiesChecked), "copies judged again")
            }
        }
        try database.recordNearJudgement(NearJudgement(threshold: policy.threshold, complete: true, judgedAt: Date()))
        return summary
    }

    /// A copy's original read again and processed as when it arrived (an entry is found in its container).
    func reprocess(_ copy: CopyToRejudge, pipeline: ArticlePipeline, folderTags: Bool)
        -> Result<(ExtractedArticle, Digest?), IntakeFailure>
    {
        guard let original = copy.original else { return .failure(.unreadable("its original was never moved to archive/")) }
        let path = InboxPath(bytes: original)
        let tags = folderTags ? copy.originalName.folders : []
        let name = copy.originalName.fileName
        guard let index = copy.entryIndex else {
            return originals.readOrFail(path).flatMap { bytes, mtime in
                let file = SourceFile(name: name, bytes: bytes, modified: Date(timeIntervalSince1970: mtime))
                return pipeline.process(file, folderTags: tags).mapError(IntakeFailure.pipeline).map { ($0, Digest.sha256(bytes)) }
            }
        }
        guard let head = originals.head(path, count: FormatDetection.headSize),
              let detected = try? FormatDetection.detect(name: name, head: head[...])
        else { return .failure(.unreadable("its container \(path) can no longer be read")) }
        if detected.format == .jsonLines {
            return EntryIngest.line(index, of: path, in: originals, gzip: detected.gzip).flatMap { line, mtime in
                guard let result = pipeline.jsonLine(line[...], modified: Date(timeIntervalSince1970: mtime), folderTags: tags) else {
                    return .failure(.unreadable("line \(index) of \(path) is blank"))
                }
                return result.mapError(IntakeFailure.pipeline).map { ($0, nil) }
            }
        }
        return originals.readOrFail(path).flatMap { bytes, mtime in
            let file = SourceFile(name: name, bytes: bytes, modified: Date(timeIntervalSince1970: mtime))
            guard case .entries(let results) = pipeline.extract(file, folderTags: tags), results.indices.contains(index - 1) else {
                return .failure(.unreadable("entry \(index) of \(path) is no longer there"))
            }
            return results[index - 1].mapError(IntakeFailure.pipeline).map { ($0, nil) }
        }
    }
}
