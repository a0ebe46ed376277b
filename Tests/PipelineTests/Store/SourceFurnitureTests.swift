import Foundation
import GRDB
import Testing

@testable import Pipeline

/// Boilerplate learned across the documents of one source: a publisher's template line that no built-in
/// rule catches goes once enough stored documents of that source carried it; a sentence two stories
/// happen to share stays.
struct SourceFurnitureTests {
    static let template = "The Harbour Times has reported on the waterfront since 1887 and is owned by the people who read it."
    static let shared = "The council meets again on Tuesday to discuss the budget for the coming year, officials said."

    /// Stories unlike each other, so that none is a near-duplicate of another.
    static let stories: [[String]] = [
        ["Fishermen protested at the quay on Monday over new quotas that they say will halve their catch by spring.",
         "Union leaders promised to block the harbour mouth with trawlers if the ministry refused to meet them this week."],
        ["A cargo ship ran aground near the lighthouse after its engine failed during the night, the coastguard reported.",
         "Nobody was hurt, and tugs expect to refloat the vessel at high tide once divers have inspected the damaged hull."],
        ["The old customs house will become a maritime museum after a donor pledged four million pounds to restore it.",
         "Architects plan glass galleries above the vaults where smugglers once hid brandy from excise officers."],
        ["Ferry fares to the islands rise by nine percent in April because diesel prices climbed sharply all winter.",
         "Commuters complained that timetables were cut last year as well, leaving early workers without a morning crossing."],
        ["Swimmers found a young seal tangled in netting off the north beach and freed it with help from volunteers.",
         "Wildlife rescuers asked anglers to collect discarded gear, which injures dozens of animals along this coast."],
        ["Two restaurants on the promenade lost their licences after inspectors discovered rats in both storerooms.",
         "Owners said they would appeal, blaming construction next door for driving vermin into the cellars."],
        ["Rowing clubs held their first regatta in a decade, drawing crowds that packed the sea wall from dawn.",
         "The women's eight from the harbour club won the final by half a length in choppy water and a stiff wind."],
        ["Planners approved forty affordable flats on the derelict boatyard site despite objections about parking.",
         "Building should start in autumn, and the developer must also pay for a new crossing on the coast road."],
    ]

    private func page(_ n: Int, source: String = "Harbour Times", extra: [String] = []) -> String {
        let body = Self.stories[n % Self.stories.count] + extra + [Self.template]
        return "Source: \(source)\n\nHeadline number \(n) about the harbour\n\n" + body.joined(separator: "\n\n") + "\n"
    }

    /// Runs one page through the pipeline with what the store knows now, records it, returns its body.
    private func ingest(_ text: String, name: String, db: CorpusDatabase) throws -> String {
        var pipeline = ArticlePipeline()
        pipeline.sourceFurniture = try db.sourceFurniture()
        let now = Date()
        try db.register([InboxCandidate(path: InboxPath(name), size: 1, mtime: 0)], now: now)
        let item = try #require(try db.claim(limit: 1, worker: "w", lease: 60, now: now).first)
        let result = pipeline.process(SourceFile(name: name, bytes: Array(text.utf8)))
        let recorded = try db.record([ProcessedItem(item: item, rawHash: Digest.sha256(text), result: result.mapError(IntakeFailure.pipeline))],
                                     now: now)
        #expect(recorded.first?.outcome.state == .stored, "\(name): \(String(describing: recorded.first?.outcome))")
        return try result.get().article.body
    }

    @Test func aTemplateLineIsLearnedFromItsSourceAndAChanceRepeatIsNot() throws {
        let db = try CorpusDatabase.inMemory()
        // No built-in rule knows the template line: alone, it is body.
        #expect(try PlainTextParser.parse(page(0)).body.contains(Self.template))

        var bodies: [String] = []
        for n in 1...5 {
            bodies.append(try ingest(page(n, extra: n <= 2 ? [Self.shared] : []), name: "h\(n).txt", db: db))
        }
        // Carried by the first three stored documents; from the fourth on it is the source's furniture.
        #expect(bodies.prefix(3).allSatisfy { $0.contains(Self.template) })
        #expect(bodies.suffix(2).allSatisfy { !$0.contains(Self.template) })
        #expect(bodies[4].contains(Self.stories[5][0]))

        // Two stories that shared a sentence by chance do not make it furniture.
        let later = try ingest(page(6, extra: [Self.shared]), name: "h6.txt", db: db)
        #expect(later.contains(Self.shared))
        #expect(!later.contains(Self.template))

        // Another source that carries the same words has learned nothing yet.
        let other = try ingest(page(7, source: "Valley Gazette"), name: "v7.txt", db: db)
        #expect(other.contains(Self.template))
    }

    @Test func theLineTableIsBounded() throws {
        let db = try CorpusDatabase.inMemory()
        for n in 1...4 { _ = try ingest(page(n), name: "h\(n).txt", db: db) }
        let before = try db.sourceLineCount()
        #expect(before.rows == 4 * 2 + 1)  // two own lines per story, one template line
        #expect(before.counted == before.rows)
        try db.writer.write { database in try db.pruneSourceLines(limit: 5, db: database) }
        let after = try db.sourceLineCount()
        #expect(after.rows == 4)
        #expect(after.counted == 4)
        // What goes first is what the fewest documents carried, the oldest first: the furniture stays, and of the
        // lines seen once those of the newest story.
        #expect(try db.sourceFurniture().lines(of: "Harbour Times") == [SourceFurniture.hash(Self.template)!])
        let once = try db.writer.read { try Int64.fetchAll($0, sql: "SELECT line_hash FROM source_line WHERE documents = 1 ORDER BY line_hash") }
        #expect(once == ([Self.stories[3][1]] + Self.stories[4]).compactMap(SourceFurniture.hash).sorted())

        // Where nothing was seen once, the lines carried by the fewest documents go, the least recently seen first.
        try db.writer.write { database in
            try database.execute(sql: "UPDATE source_line SET documents = 2, last_seen = id WHERE documents = 1")
            try db.pruneSourceLines(limit: 3, db: database)  // 4 rows down to 80 % of 3
        }
        let left = try db.writer.read { try Int64.fetchAll($0, sql: "SELECT line_hash FROM source_line ORDER BY line_hash") }
        #expect(left == [SourceFurniture.hash(Self.template)!, SourceFurniture.hash(Self.stories[4][1])!].sorted())
        #expect(try db.sourceLineCount() == (rows: 2, counted: 2))
    }

    /// A new line is appended to `source_line` and indexed by its key only; the furniture is read off the index of
    /// lines seen more than once.
    @Test func furnitureIsReadOffTheLinesSeenMoreThanOnce() throws {
        let db = try CorpusDatabase.inMemory()
        for n in 1...4 { _ = try ingest(page(n), name: "h\(n).txt", db: db) }
        let (repeated, plan) = try db.writer.read { database in
            (try Int.fetchOne(database, sql: "SELECT COUNT(*) FROM source_line INDEXED BY source_line_repeated WHERE documents > 1"),
             try Row.fetchAll(database, sql: """
                EXPLAIN QUERY PLAN SELECT source, line_hash FROM source_line WHERE documents >= 3 AND documents > 1
                """).map { $0["detail"] as String }.joined())
        }
        #expect(repeated == 1)
        #expect(plan.contains("source_line_repeated"), "\(plan)")
        #expect(try db.sourceFurniture(minimumDocuments: 1).lines(of: "Harbour Times") == [SourceFurniture.hash(Self.template)!])
    }

    /// A database from before the counter: it starts from the rows the table holds, and follows them from there.
    @Test func theLineCounterStartsFromTheRowsOfAnOlderDatabase() throws {
        let queue = try DatabaseQueue(configuration: CorpusDatabase.makeConfiguration())
        try Migrations.migrator.migrate(queue, upTo: "story term counts kept by the recorder, not a trigger")
        try queue.write { db in
            for n in 1...3 { try db.execute(sql: "INSERT INTO source_line VALUES ('harbour times', ?, 1, 0)", arguments: [n]) }
        }
        let db = try CorpusDatabase(queue)
        #expect(try db.sourceLineCount() == (rows: 3, counted: 3))
        _ = try ingest(page(1), name: "h1.txt", db: db)
        let after = try db.sourceLineCount()
        #expect(after.rows == 3 + 3 && after.counted == after.rows, "\(after)")
    }
}
