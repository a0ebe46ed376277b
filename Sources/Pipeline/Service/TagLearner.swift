import Foundation
import Logging
import Synchronization

/// Keeps the learned tagger up to date and re-applies tagging to stored documents.
///
/// The model is retrained from the newest `maxExamples` labelled documents (explicit, alias or folder tags)
/// when enough new ones arrived since the last training: `minNew` at first, then as many as it learnt from
/// (the set doubles), then every `maxExamples`, but no sooner than `minInterval` after the last (the daemon's: a
/// minute) — so each training stays bounded in time and memory however large the corpus grows (~0.5–1 s of CPU on
/// 5,000 documents; `neardup-lab train STATE` shows the memory it takes: on a `make bench` state ~6.5 MiB above what
/// reading the examples takes), and in a bulk load the trainings' share of the CPU is bounded too (one every 5,000
/// documents was ~8 % of the daemon's CPU at 700 documents a second). After a batch,
/// training runs in the background, one at a time, so ingestion does not wait for it; `reclassify` always
/// retrains first, and waits.
public struct TagLearner: Sendable {
    public struct Settings: Sendable {
        /// Labelled documents needed before a first model is trained, and new ones before a retrain.
        public var minNew: Int = 10
        public var minExamples: Int = TagModel.defaultMinExamples
        /// The model learns from at most this many labelled documents, the newest.
        public var maxExamples: Int = 5000
        /// Train after a batch in a background task (the daemon) or before `stored` returns (tests).
        public var trainInBackground = true
        /// Least time from one training to the next made due by stored documents (the first is never held back):
        /// while documents arrive faster than that (a bulk load), retrains wait for it rather than follow every
        /// `maxExamples` documents. The daemon's is `CorpusDaemon.Config.learning`'s.
        public var minInterval: Duration = .zero
        public init() {}

        /// New labelled documents that make a retrain due, after one on `labelled`.
        func growthNeeded(after labelled: Int) -> Int { max(minNew, min(labelled, maxExamples)) }
    }

    /// What `reclassify` did.
    public struct Summary: Sendable, Codable, Hashable {
        public var documents: Int
        public var changed: Int
        public var added: Int
        public var removed: Int
        public var taxonomy: String
        public var modelDocuments: Int
        public var modelTags: Int
    }

    let database: CorpusDatabase
    let tagging: Tagging
    let settings: Settings
    let logger: Logger
    /// Documents stored since the labelled documents were last counted (`Int.max` before the first count):
    /// counting is only worth it once this many could have made a retrain due.
    private let state = LearnerState()

    private final class LearnerState: Sendable {
        let storedSinceCount = Mutex(Int.max)
        let training = Mutex(false)
        /// When the last training ended.
        let lastTraining = Mutex<ContinuousClock.Instant?>(nil)
    }

    public init(database: CorpusDatabase, tagging: Tagging, settings: Settings = Settings(), logger: Logger) {
        self.database = database
        self.tagging = tagging
        self.settings = settings
        self.logger = logger
    }

    /// After a batch stored `count` documents: retrains when that may have made a retrain due (in the
    /// background unless `settings.trainInBackground` is off; never two at once; not within `settings.minInterval`
    /// of the last one, when the documents are counted again at the next batch after it).
    public func stored(_ count: Int, now: ContinuousClock.Instant = .now) throws {
        let labelledThen = tagging.current.model?.labelledAtTraining ?? 0
        let waiting = state.lastTraining.withLock { last in last.map { now - $0 < settings.minInterval } ?? false }
        let worthChecking = state.storedSinceCount.withLock { seen in
            // The first batch after start always counts: labelled documents may have arrived while stopped.
            seen = seen == Int.max ? Int.max : seen + count
            // Within `minInterval` of the last training the documents stay counted, for a batch after it.
            guard !waiting, seen >= settings.growthNeeded(after: labelledThen) else { return false }
            seen = 0
            return true
        }
        guard worthChecking, state.training.withLock({ busy in busy ? false : { busy = true; return true }() }) else { return }
        guard settings.trainInBackground else {
            defer { state.training.withLock { $0 = false } }
            try retrainIfDue()
            return
        }
        Task.detached(priority: .utility) { [self] in
            defer { state.training.withLock { $0 = false } }
            do { try retrainIfDue() } catch {
                logger.error("could not retrain the tag model", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Retrains when enough new labelled documents arrived (or always, with `force`). Returns the model in force.
    @discardableResult
    public func retrainIfDue(force: Bool = false) throws -> TagModel? {
        let trained = tagging.current.model?.labelledAtTraining ?? 0
        let labelled = try database.labelledDocumentCount()
        let due = labelled - trained >= settings.growthNeeded(after: trained)
        guard force || due, labelled > 0 else { return tagging.current.model }
        let started = Date()
        // Streamed: the examples' text is never held together beside ingest (up to 5,000 bodies).
        var trainer = TagModel.Trainer()
        try database.forEachTrainingExample(newest: settings.maxExamples) { trainer.add($0) }
        let model = trainer.model(labelled: labelled, minExamples: settings.minExamples)
        try database.saveTagModel(model, now: Date())
        tagging.install(model)
        state.lastTraining.withLock { $0 = .now }
        logger.info("tag model trained", metadata: [
            "documents": "\(model.documents)", "tags": "\(model.learntTags.count)",
            "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))",
        ])
        return model
    }

    /// What `corpusctl tag` did.
    public struct Confirmed: Sendable, Codable, Hashable {
        public var document: Int64
        /// Tags the document had from a rule, the model or a declaration, now confirmed by a person.
        public var confirmed: [String]
        /// Tags it did not have.
        public var added: [String]
    }

    /// A person gives or confirms `names` (aliases resolved) on a document: each becomes an explicit tag
    /// ("confirmed by a user" / "added by a user"), a training label that reclassification keeps.
    public func confirm(_ names: [String], on document: Int64) throws -> Confirmed {
        let declared = Tagger.declaredTags(names, taxonomy: tagging.current.taxonomy)
        let before = try database.tags(ofDocument: document)
        var result = Confirmed(document: document, confirmed: [], added: [])
        let tags = declared.map { tag in
            let had = before.contains { $0.slug == tag.slug }
            if had { result.confirmed.append(tag.slug) } else { result.added.append(tag.slug) }
            return AssignedTag(slug: tag.slug, name: tag.name, origin: .explicit,
                               evidence: had ? "confirmed by a user" : "added by a user")
        }
        try database.setUserTags(tags, on: document)
        logger.info("tags confirmed", metadata: ["doc": "\(document)", "confirmed": "\(result.confirmed)", "added": "\(result.added)"])
        try retrainIfDue()
        return result
    }

    /// What `corpusctl untag` did.
    public struct Rejected: Sendable, Codable, Hashable {
        public var document: Int64
        /// Tags the document carried, now removed.
        public var removed: [String]
        /// Every tag named (aliases resolved): none of them will be given to this document again.
        public var rejected: [String]
    }

    /// A person removes `names` (aliases resolved) from a document and rejects them there: no rule, model
    /// or reclassification gives them back. A removed declared tag is no longer a training label, so the
    /// document counts against the tag when the model is next trained.
    public func reject(_ names: [String], on document: Int64) throws -> Rejected {
        let tags = Tagger.declaredTags(names, taxonomy: tagging.current.taxonomy).map { (slug: $0.slug, name: $0.name) }
        let removed = try database.rejectTags(tags, on: document, now: Date())
        let result = Rejected(document: document, removed: removed, rejected: tags.map(\.slug))
        logger.info("tags rejected", metadata: ["doc": "\(document)", "removed": "\(removed)", "rejected": "\(result.rejected)"])
        try retrainIfDue()
        return result
    }

    /// Reloads the taxonomy (refusing a broken one), retrains the model, then gives every stored document
    /// the rule and model tags they earn now. Declared and folder tags are never touched.
    public func reclassify(batch: Int = 256, progress: (Int, Int) -> Void) throws -> Summary {
        if case .failure(let error) = tagging.reloadTaxonomy() { throw error }
        let model = try retrainIfDue(force: true)
        let snapshot = tagging.current
        let total = try database.documentCount()
        var summary = Summary(documents: 0, changed: 0, added: 0, removed: 0, taxonomy: "\(snapshot.location)",
                              modelDocuments: model?.documents ?? 0, modelTags: model?.learntTags.count ?? 0)
        var last: Int64 = 0
        while true {
            let candidates = try database.reclassifyCandidates(after: last, limit: batch)
            guard let tail = candidates.last else { break }
            var updates: [(documentID: Int64, tags: [AssignedTag])] = []
            for candidate in candidates {
                let tags = Tagger.inferredTags(candidate.article, taxonomy: snapshot.taxonomy, model: snapshot.model,
                                               threshold: snapshot.threshold, keeping: candidate.kept)
                let before = Set(candidate.inferred.map(\.slug))
                let after = Set(tags.filter { !CorpusDatabase.declaredOrigins.contains($0.origin) }.map(\.slug))
                summary.added += after.subtracting(before).count
                summary.removed += before.subtracting(after).count
                if before != after { summary.changed += 1 }
                updates.append((candidate.id, tags))
            }
            try database.replaceInferredTags(updates)
            summary.documents += candidates.count
            last = tail.id
            progress(summary.documents, max(total, summary.documents))
        }
        logger.notice("reclassified", metadata: [
            "documents": "\(summary.documents)", "changed": "\(summary.changed)",
            "added": "\(summary.added)", "removed": "\(summary.removed)",
        ])
        return summary
    }
}
