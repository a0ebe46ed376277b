import Foundation
import GRDB
import Logging
import Testing

@testable import Pipeline

/// Tags in the store: alias resolution, OR and NOT filters, counts by origin, the stored model, and
/// reclassification that leaves declared tags alone.
struct TagStoreTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// Stores one document per (title, body, declared tags) through the real pipeline and record path.
    func store(_ documents: [(String, String, [String])], in db: CorpusDatabase, pipeline: ArticlePipeline = ArticlePipeline(),
               policy: NearDuplicatePolicy = NearDuplicatePolicy()) throws {
        let start = try db.documentCount()
        try db.register(documents.indices.map { InboxCandidate(path: InboxPath("d\(start + $0).txt"), size: 1, mtime: 1) }, now: now)
        let claimed = try db.claim(limit: documents.count, worker: "w", lease: 60, now: now)
        let processed = zip(claimed, documents).map { item, document in
            let article = ParsedArticle(title: document.0, explicitTags: document.2, paragraphs: [document.1])
            let extracted = ExtractedArticle(
                article: article, normalizedBody: Normalizer.normalize(document.1), bodyHash: Digest.sha256(document.1),
                tags: Tagger.tag(article, taxonomy: pipeline.taxonomy, model: pipeline.model, threshold: pipeline.threshold),
                wordCount: 10, encoding: .utf8)
            return ProcessedItem(item: item, rawHash: Digest.sha256("raw " + document.1), result: .success(extracted))
        }
        let recorded = try db.record(processed, now: now, policy: policy)
        #expect(recorded.allSatisfy { $0.outcome.state == .stored }, "not stored: \(recorded.map(\.outcome))")
    }

    @Test func aliasesResolveThroughTheRecordedTaxonomy() throws {
        let db = try CorpusDatabase.inMemory()
        #expect(try db.resolveTag("u.s.") == "us")  // nothing recorded yet: a name is its own slug
        try db.syncTaxonomy(.builtIn)
        for name in ["u.s.", "US", "USA", "United States", "united-states"] { #expect(try db.resolveTag(name) == "united-states") }
        #expect(try db.resolveTag("Fentanyl") == "fentanyl")
        #expect(try db.tagCounts(includeUnused: true).count == Taxonomy.builtIn.definitions.count)
        #expect(try db.tagCounts().isEmpty)
    }

    @Test func listingCombinesAllAnyAndNotTags() throws {
        let db = try CorpusDatabase.inMemory()
        try store([
            ("One", "Nothing to see.", ["china", "drugs"]),
            ("Two", "Nothing to see here.", ["russia"]),
            ("Three", "Nothing to see here either.", ["china", "russia"]),
        ], in: db)
        func titles(_ filter: DocumentFilter) throws -> [String] { try db.documents(filter: filter, limit: 50).map(\.title) }
        #expect(try titles(DocumentFilter(anyTags: ["drugs", "russia"])) == ["Three", "Two", "One"])
        #expect(try titles(DocumentFilter(allTags: ["china"], notTags: ["russia"])) == ["One"])
        #expect(try titles(DocumentFilter(anyTags: ["drugs", "russia"], notTags: ["china"])) == ["Two"])
        #expect(try titles(DocumentFilter(notTags: ["china", "russia"])).isEmpty)

        let counts = try db.tagCounts()
        #expect(counts.first?.slug == "china" || counts.first?.slug == "russia")
        #expect(counts.first { $0.slug == "china" }?.byOrigin == ["explicit": 2])
    }

    /// While the model learns from an example, no read transaction is open: a checkpoint that must wait for every
    /// reader (as the one that starts the WAL over does) goes through at once.
    @Test func trainingHoldsNoSnapshotWhileItLearns() throws {
        let folder = try TemporaryFolder("training")
        defer { folder.remove() }
        let path = folder.path("corpus.sqlite")
        let db = try CorpusDatabase.open(path: path)
        try store((0..<10).map { ("Story \($0)", "Beijing officials met trade envoys on day \($0).", ["china"]) }, in: db)
        var config = Configuration()
        config.busyMode = .immediateError
        let checkpointer = try DatabaseQueue(path: path, configuration: config)
        var seen = 0
        try db.forEachTrainingExample(newest: 10, chunk: 4) { _ in
            seen += 1
            try db.writer.write { try $0.execute(sql: "UPDATE corpus_stat SET value = value WHERE name = 'documents'") }
            // SQLITE_BUSY (thrown) while a reader holds a snapshot the WAL's frames are needed for.
            _ = try checkpointer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        }
        #expect(seen == 10)
    }

    /// Training streams its examples from the store one at a time (each document's several tag rows make one
    /// example) and learns the model that training on the whole list learns.
    @Test func aStreamedTrainingLearnsWhatTrainingOnTheListLearns() throws {
        let db = try CorpusDatabase.inMemory()
        let topics = [("china", "Beijing officials met trade envoys"), ("sport", "The team won the cup final"),
                      ("energy", "Oil and gas prices rose at the pump")]
        var documents: [(String, String, [String])] = []
        for n in 0..<60 {
            let (tag, text) = topics[n % 3]
            let second = n % 4 == 0 ? [topics[(n + 1) % 3].0] : []
            documents.append(("Story \(n) on \(tag)", "\(text) on day \(n). \(text) again, said report \(n).", [tag] + second))
        }
        documents.append(("Unlabelled", "No tags here at all, only words about nothing much.", []))
        try store(documents, in: db)
        var streamed: [TrainingExample] = []
        try db.forEachTrainingExample(newest: 50) { streamed.append($0) }
        let listed = try db.trainingExamples(newest: 50)
        #expect(streamed.count == 50)
        #expect(streamed == listed)
        #expect(streamed.filter { $0.tags.count == 2 }.count >= 10)
        #expect(streamed.first?.title == "Story 10 on sport")

        // Read a few documents at a time, the same examples in the same order.
        for chunk in [1, 7, 50, 1_000] {
            var chunked: [TrainingExample] = []
            try db.forEachTrainingExample(newest: 50, chunk: chunk) { chunked.append($0) }
            #expect(chunked == listed, "chunk \(chunk)")
        }

        var trainer = TagModel.Trainer()
        try db.forEachTrainingExample(newest: 50) { trainer.add($0) }
        let model = trainer.model(labelled: 61, minExamples: 5)
        #expect(model == TagModel.train(listed, labelled: 61, minExamples: 5))
        #expect(model.learntTags == ["china", "energy", "sport"])
        #expect(model.documents == 50)
    }

    @Test func theModelIsStoredAndReadBack() throws {
        let db = try CorpusDatabase.inMemory()
        #expect(try db.loadTagModel() == nil)
        let model = TagModel.train(TagModelTests.examples)
        try db.saveTagModel(model, now: now)
        let stored = try #require(try db.loadTagModel())
        #expect(stored.model == model)
        #expect(stored.documents == TagModelTests.examples.count)
    }

    @Test func reclassifyKeepsDeclaredTagsAndFollowsTheNewTaxonomy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reclassify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("taxonomy.yaml")
        try "tags:\n  china:\n    keywords: [Beijing]\n".write(to: file, atomically: true, encoding: .utf8)

        let db = try CorpusDatabase.inMemory()
        let tagging = try Tagging(taxonomyPath: file.path, stateDirectory: dir.path, threshold: 0.9, database: db,
                                  logger: Logger(label: "test"))
        try store([
            ("Beijing talks", "Officials met in Beijing. Beijing said talks went well.", ["Diplomacy"]),
            ("Harbour news", "The harbour reopened after repairs to the pier.", []),
        ], in: db, pipeline: tagging.current.pipeline)
        let first = try db.documents(matching: DocumentQuery()).sorted { $0.id < $1.id }
        #expect(first.map(\.tags) == [["china", "diplomacy"], []])

        // The editor drops the Beijing rule and adds a harbour tag; reclassify follows, declared tags stay.
        try "tags:\n  china:\n    keywords: [Shanghai]\n  ports:\n    name: Ports\n    keywords: [harbour, pier]\n    min_score: 2\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let learner = TagLearner(database: db, tagging: tagging, logger: Logger(label: "test"))
        var seen: [(Int, Int)] = []
        let summary = try learner.reclassify(batch: 1) { seen.append(($0, $1)) }
        #expect(seen.map(\.0) == [1, 2])
        #expect(seen.allSatisfy { $0.1 == 2 })
        #expect(summary.documents == 2)
        #expect(summary.changed == 2)
        #expect(summary.added == 1)
        #expect(summary.removed == 1)
        let after = try db.documents(matching: DocumentQuery()).sorted { $0.id < $1.id }
        #expect(after.map(\.tags) == [["diplomacy"], ["ports"]])
        let declared = try db.tags(ofDocument: after[0].id)
        #expect(declared.map(\.origin) == [.explicit])
        #expect(try db.tags(ofDocument: after[1].id).first?.evidence == "'harbour' ×1 in body, 'pier' ×1 in body, 'harbour' ×1 in title, score 5.0 ≥ 2.0")

        // A broken taxonomy stops reclassify before anything changes.
        try "tags:\n  china: [\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: TaxonomyFileError.self) { try learner.reclassify { _, _ in } }
        #expect(try db.documents(matching: DocumentQuery()).sorted { $0.id < $1.id }.map(\.tags) == [["diplomacy"], ["ports"]])
    }

    @Test func aPersonConfirmsAndAddsTagsThatReclassifyKeeps() throws {
        let db = try CorpusDatabase.inMemory()
        let tagging = try Tagging(taxonomyPath: nil, stateDirectory: "/nonexistent", threshold: 0.9, database: db,
                                  logger: Logger(label: "test"))
        let learner = TagLearner(database: db, tagging: tagging, logger: Logger(label: "test"))
        try store([("Beijing talks", "Officials met in Beijing. Beijing said the talks went well.", [])], in: db,
                  pipeline: tagging.current.pipeline)
        let id = try #require(try db.documents(matching: DocumentQuery()).first?.id)
        #expect(try db.tags(ofDocument: id).first { $0.slug == "china" }?.origin == .rule)
        #expect(try db.labelledDocumentCount() == 0)

        let result = try learner.confirm(["PRC", "Harbours"], on: id)
        #expect(result.confirmed == ["china"])
        #expect(result.added == ["harbours"])
        let tags = try db.tags(ofDocument: id)
        #expect(tags.first { $0.slug == "china" }?.origin == .explicit)
        #expect(tags.first { $0.slug == "china" }?.evidence == "confirmed by a user")
        #expect(tags.first { $0.slug == "harbours" }?.evidence == "added by a user")
        #expect(try db.labelledDocumentCount() == 1)
        #expect(try db.trainingExamples().first?.tags.keys.sorted() == ["china", "harbours"])

        _ = try learner.reclassify { _, _ in }
        #expect(try db.tags(ofDocument: id).filter { $0.origin == .explicit }.map(\.slug) == ["china", "harbours"])
        #expect(throws: CorpusDatabase.NoSuchDocument.self) { try learner.confirm(["china"], on: id + 100) }
    }

    /// The number of labelled documents the learner reads is a counter kept with the links: it follows stores, a
    /// person's tags and rejections, reclassification and a re-check's merge, and agrees with the links counted one by one.
    @Test func theLabelledCountFollowsEveryChangeOfDeclaredTags() throws {
        let db = try CorpusDatabase.inMemory()
        let tagging = try Tagging(taxonomyPath: nil, stateDirectory: "/nonexistent", threshold: 0.9, database: db,
                                  logger: Logger(label: "test"))
        let learner = TagLearner(database: db, tagging: tagging, logger: Logger(label: "test"))
        func expectLabelled(_ count: Int, _ when: Comment) throws {
            #expect(try db.labelledDocumentCount() == count, when)
            #expect(try db.countedLabelledDocuments() == count, when)
        }
        let report = (1...40).map { "Line \($0) of the harbour report says the port moved \($0 * 7) containers on pier \($0 % 9)." }
            .joined(separator: " ")
        // Near-duplicates are kept apart while storing (threshold 0.99) and merged by the re-check below.
        let strict = NearDuplicatePolicy(threshold: 0.99)
        try store([("Harbour report", report, ["Harbours", "Shipping"]), ("Beijing talks", "Officials met in Beijing.", [])],
                  in: db, pipeline: tagging.current.pipeline, policy: strict)
        try expectLabelled(1, "one of two stored with declared tags")
        let ids = try db.documents(matching: DocumentQuery()).map(\.id).sorted()
        _ = try learner.confirm(["china"], on: ids[1])
        try expectLabelled(2, "a person tagged the other")
        _ = try learner.confirm(["ports"], on: ids[1])
        try expectLabelled(2, "a second tag on a labelled document")
        _ = try learner.reject(["harbours"], on: ids[0])
        try expectLabelled(2, "one of its two declared tags rejected")
        _ = try learner.reject(["shipping"], on: ids[0])
        try expectLabelled(1, "its last declared tag rejected")
        _ = try learner.reclassify { _, _ in }
        try expectLabelled(1, "reclassified")
        try store([("Harbour report, again", report + " One more line closes it.", ["Shipping"])], in: db,
                  pipeline: tagging.current.pipeline, policy: strict)
        try expectLabelled(2, "a near copy stored as its own document")
        let merges = try db.recheckMerges(policy: NearDuplicatePolicy(), chunk: 2, now: now) { _, _ in }
        #expect(merges.map(\.into) == [ids[0]])
        try expectLabelled(1, "the labelled copy merged into an unlabelled document")
        #expect(try CheckReport(db).countersMatch)
    }

    /// A database from before the counter: it starts from the declared links the database holds.
    @Test func theLabelledCounterStartsFromTheLinksOfAnOlderDatabase() throws {
        let queue = try DatabaseQueue(configuration: CorpusDatabase.makeConfiguration())
        try Migrations.migrator.migrate(queue, upTo: "source lines in arrival order")
        try queue.write { db in
            for id in 1...3 {
                try db.execute(sql: """
                    INSERT INTO document (id, title, body, body_hash, word_count, encoding, item_id, file, ingested_at)
                    VALUES (?, 'title', 'body', ?, 1, 'utf-8', ?, 'file.txt', 0)
                    """, arguments: [id, Data([UInt8(id)]), id])
            }
            try db.execute(sql: "INSERT INTO tag (id, slug, name) VALUES (1, 'china', 'China'), (2, 'ports', 'Ports')")
            // Document 1: two declared tags; 2: a rule's; 3: the model's and an alias.
            try db.execute(sql: """
                INSERT INTO document_tag (document_id, tag_id, origin) VALUES
                    (1, 1, 'explicit'), (1, 2, 'folder'), (2, 1, 'rule'), (3, 1, 'model'), (3, 2, 'alias')
                """)
        }
        let db = try CorpusDatabase(queue)
        #expect(try db.labelledDocumentCount() == 2)
        #expect(try db.countedLabelledDocuments() == 2)
    }

    /// `corpusctl untag`: the tag goes whatever gave it, and no rule, reclassification or model gives it back
    /// until a person gives it again.
    @Test func aRejectedTagStaysGoneUntilAPersonGivesItBack() throws {
        let db = try CorpusDatabase.inMemory()
        let tagging = try Tagging(taxonomyPath: nil, stateDirectory: "/nonexistent", threshold: 0.9, database: db,
                                  logger: Logger(label: "test"))
        let learner = TagLearner(database: db, tagging: tagging, logger: Logger(label: "test"))
        try store([("Beijing talks", "Officials met in Beijing. Beijing said the talks went well.", ["Harbours"])], in: db,
                  pipeline: tagging.current.pipeline)
        let id = try #require(try db.documents(matching: DocumentQuery()).first?.id)
        #expect(try db.tags(ofDocument: id).first { $0.slug == "china" }?.origin == .rule)

        let result = try learner.reject(["PRC", "harbours", "sport"], on: id)
        #expect(result.removed.sorted() == ["china", "harbours"])
        #expect(result.rejected == ["china", "harbours", "sport"])
        #expect(try db.tags(ofDocument: id).map(\.slug).filter { ["china", "harbours", "sport"].contains($0) }.isEmpty)
        #expect(try db.rejectedTags(ofDocument: id) == ["china", "harbours", "sport"])
        #expect(try db.labelledDocumentCount() == 0, "the removed declared tag is no longer a training label")

        // The rule still matches; reclassification does not give the tag back.
        _ = try learner.reclassify { _, _ in }
        #expect(try db.tags(ofDocument: id).contains { $0.slug == "china" } == false)

        // A person giving it back takes the rejection back.
        _ = try learner.confirm(["china"], on: id)
        #expect(try db.tags(ofDocument: id).first { $0.slug == "china" }?.origin == .explicit)
        #expect(try db.rejectedTags(ofDocument: id) == ["harbours", "sport"])
        #expect(throws: CorpusDatabase.NoSuchDocument.self) { try learner.reject(["china"], on: id + 100) }
    }

    /// A learner on an in-memory database that trains before `stored` returns, from 6 labelled documents on.
    static func learner(minInterval: Duration = .zero) throws -> (CorpusDatabase, Tagging, TagLearner) {
        let db = try CorpusDatabase.inMemory()
        let tagging = try Tagging(taxonomyPath: nil, stateDirectory: "/nonexistent", threshold: 0.9, database: db,
                                  logger: Logger(label: "test"))
        var settings = TagLearner.Settings()
        settings.minNew = 6
        settings.trainInBackground = false
        settings.minInterval = minInterval
        return (db, tagging, TagLearner(database: db, tagging: tagging, settings: settings, logger: Logger(label: "test")))
    }

    /// With `minInterval`, a retrain made due by stored documents waits until that long after the last training; the
    /// documents stored meanwhile still count towards it.
    @Test func retrainsWaitForTheLeastIntervalAfterTheLast() throws {
        let (db, tagging, learner) = try Self.learner(minInterval: .seconds(60))
        let labelled = TagModelTests.examples.map { ($0.title, $0.body, Array($0.tags.keys)) }
        try store(labelled, in: db)
        // The first training is never held back.
        try learner.stored(labelled.count)
        let first = try #require(tagging.current.model)
        #expect(first.documents == labelled.count)
        // Twice as many labelled documents make a retrain due, but within the minute it waits.
        try store(labelled.map { ($0.0 + " again", $0.1.split(separator: " ").reversed().joined(separator: " "), $0.2) }, in: db)
        try learner.stored(labelled.count, now: .now + .seconds(30))
        #expect(tagging.current.model == first)
        // After it, the next batch (one more document) finds the documents stored meanwhile counted, and retrains.
        try learner.stored(1, now: .now + .seconds(61))
        #expect(tagging.current.model?.documents == 2 * labelled.count)
    }

    @Test func theModelIsRetrainedAsLabelledDocumentsArriveAndTagsTheRest() throws {
        let (db, tagging, learner) = try Self.learner()
        let labelled = TagModelTests.examples.map { ($0.title, $0.body, Array($0.tags.keys)) }
        try store(Array(labelled.prefix(4)), in: db)
        #expect(try learner.retrainIfDue() == nil)   // 4 < 6 labelled documents: not yet
        try store(Array(labelled.dropFirst(4)), in: db)
        let model = try #require(try learner.retrainIfDue())
        #expect(model.documents == 9)
        #expect(tagging.current.model == model)
        #expect(try db.loadTagModel()?.model == model)
        #expect(try learner.retrainIfDue() == model)  // nothing new: the same model
        #expect(try db.trainingExamples(newest: 2).map(\.title) == labelled.suffix(2).map(\.0))

        // After a batch, the labelled documents are counted only once enough were stored to make a retrain due.
        try learner.stored(1)   // the first batch after start counts: nothing new
        #expect(tagging.current.model == model)
        // The same words in another order: new documents, not near-duplicates.
        // A retrain is due once the labelled documents doubled (9 more).
        try store(labelled.map { ($0.0 + " again", $0.1.split(separator: " ").reversed().joined(separator: " "), $0.2) }, in: db)
        try learner.stored(5)   // 5 < 9: not counted, not retrained
        #expect(tagging.current.model == model)
        try learner.stored(4)
        #expect(tagging.current.model?.documents == 18)

        // The model in force tags a document nobody labelled.
        try store([("Council news", "Parking charges near the council library rose, and the bakery prize moved to the town hall.", [])],
                  in: db, pipeline: tagging.current.pipeline)
        let latest = try #require(try db.documents(matching: DocumentQuery(limit: 1)).first)
        let tags = try db.tags(ofDocument: latest.id)
        let local = try #require(tags.first { $0.slug == "local" })
        #expect(local.origin == .model)
        #expect((local.score ?? 0) >= 0.9)
        #expect(local.evidence?.contains("learnt from 6 labelled documents") == true)
        #expect(TagExplanation.line(local).hasPrefix("local: model — p "))
    }
}
