import Foundation
import GRDB
import Testing

@testable import Pipeline

/// The band index in levels (CorpusDatabase+BandIndex.swift): whatever has been merged or swept, a look-up gives
/// what one table of every filed row would give, and nothing filed is lost or kept twice.
struct BandIndexTests {
    /// Adds the number of keys in `range` (up to 2^64, the whole key space) to a 128-bit count.
    func add(_ range: ClosedRange<Int64>, to count: inout (high: UInt64, low: UInt64)) {
        for part in [UInt64(bitPattern: range.upperBound &- range.lowerBound), 1] {
            let (low, carry) = count.low.addingReportingOverflow(part)
            count = (count.high + (carry ? 1 : 0), low)
        }
    }

    @Test(arguments: [(Int64.min, UInt64(1)), (0, 1), (-5, 1), (.min, 4), (12_345, 3), (.max, 7), (-1, 1_000)])
    func sweepStepsCoverTheKeySpaceOnceARound(start: Int64, slices: UInt64) {
        var cursor = start
        var covered: (high: UInt64, low: UInt64) = (0, 0)
        for _ in 0..<slices {
            let (ranges, next) = BandSweep.step(from: cursor, slices: slices)
            // Each step starts where the last ended, its ranges follow each other (wrapping past the largest
            // key to the smallest) and end just before the next step.
            #expect(ranges.first?.lowerBound == cursor)
            for (a, b) in zip(ranges, ranges.dropFirst()) {
                #expect(a.upperBound == .max && b.lowerBound == .min)
            }
            #expect(ranges.last.map { $0.upperBound &+ 1 } == next)
            // What a merge keeps of its step (where it started and the next cursor) gives the step's ranges back.
            #expect(BandSweep.ranges(from: cursor, to: next) == ranges)
            for range in ranges { add(range, to: &covered) }
            cursor = next
        }
        // Once round, give or take the rounding of the width (fewer than `slices` keys).
        #expect(covered.high == 1 && covered.low < slices, "\(covered)")
        #expect(UInt64(bitPattern: cursor &- start) < slices)
    }

    /// Files documents under keys drawn from a small pool (so that keys are shared and crowded) with levels so
    /// small that the recent level is merged every few documents and the sweep cuts the key space into slices.
    @Test func lookUpsGiveWhatOneTableOfEveryRowGivesThroughMergesSweepsAndRemovals() throws {
        var db = try CorpusDatabase.inMemory()
        db.bandLevels = BandIndexLevels(recentLimit: 40, sweepShare: 2)
        var random = SystemRandomNumberGenerator()
        let pool = (0..<400).map { _ in Int64.random(in: .min ... .max, using: &random) }
        var filed: [Int64: [Int64]] = [:]  // key → documents
        var keysOf: [Int64: [Int64]] = [:]
        var sliceCounts: Set<UInt64> = []
        var plans: Set<String> = []
        try db.writer.write { conn in
            for n in 1...300 {
                try conn.execute(sql: """
                    INSERT INTO document (id, title, body, body_hash, word_count, encoding, item_id, file, ingested_at)
                    VALUES (?, 't', 'b', ?, 1, 'utf-8', 1, 'f', 1)
                    """, arguments: [n, Data("\(n)".utf8)])
                let keys = Array(Set((0..<25).map { _ in pool.randomElement(using: &random)! }))
                try db.fileBands(Int64(n), NearDuplicateFingerprint(shingles: [], minHash: [], bandKeys: keys), db: conn)
                keysOf[Int64(n)] = keys
                for key in keys { filed[key, default: []].append(Int64(n)) }
                let lastRows = try Int.fetchOne(conn, sql: "SELECT value FROM corpus_stat WHERE name = 'near_band.rows'")!
                sliceCounts.insert(db.bandLevels.slices(lastRows: lastRows))
                // The writer's half of a look-up made ahead: the documents filed after one a few back, whichever
                // levels merges have moved them to since.
                for after in [n - 1, n - 2, n - 3, n - 6].map(Int64.init) where after > 0 {
                    let plan = try db.bandReadPlan(after: after, db: conn)
                    plans.insert(plan.lastFor == nil ? "levels \(plan.levels)" : "levels 2 and the swept keys")
                    let probe = Array(pool.prefix(120))
                    let found = try db.bandBuckets(probe, limit: 3, before: nil, after: after, db: conn)
                    let expected = probe.flatMap { key in
                        (filed[key] ?? []).filter { $0 > after }.sorted(by: >).prefix(3).map { [key, $0] }
                    }
                    #expect(found.map { [$0.key, $0.document] }.sorted { $0.lexicographicallyPrecedes($1) }
                        == expected.sorted { $0.lexicographicallyPrecedes($1) }, "document \(n), after \(after), \(plan)")
                }
            }
        }
        #expect(sliceCounts.contains(1) && sliceCounts.contains { $0 >= 3 }, "both whole and sliced sweeps happened: \(sliceCounts)")
        #expect(plans == ["levels 1", "levels 2 and the swept keys", "levels 3"], "every way of reading happened")

        func expectIndexHolds(_ comment: Comment) throws {
            try db.writer.read { (conn: Database) throws in
                var rows: [String: Set<[Int64]>] = [:]
                for table in CorpusDatabase.bandLevelTables {
                    rows[table] = Set(try Row.fetchAll(conn, sql: "SELECT key, document_id FROM \(table)").map { [$0[0], $0[1]] })
                }
                let all = rows.values.reduce(into: Set<[Int64]>()) { $0.formUnion($1) }
                #expect(all == Set(filed.flatMap { key, documents in documents.map { [key, $0] } }), comment)
                #expect(rows.values.map(\.count).reduce(0, +) == all.count, "a row in two levels: \(comment)")
                #expect(rows["near_band"]!.count > 0 && rows["near_band_middle"]!.count + rows["near_band_recent"]!.count > 0, comment)
                let counters = try Dictionary(uniqueKeysWithValues: Row.fetchAll(conn, sql: """
                    SELECT name, value FROM corpus_stat WHERE name IN ('near_band.recent', 'near_band.rows')
                    """).map { ($0[0] as String, $0[1] as Int) })
                #expect(counters == ["near_band.recent": rows["near_band_recent"]!.count, "near_band.rows": rows["near_band"]!.count], comment)
                // Of each key, the newest three (and, before document 150, the newest three older ones).
                for before in [nil, Int64(150)] {
                    let probe = Array(pool.prefix(60))
                    let found = try db.bandBuckets(probe, limit: 3, before: before, db: conn)
                    var expected: [[Int64]] = []
                    for key in probe {
                        let older = (filed[key] ?? []).filter { before == nil || $0 < before! }
                        expected += older.sorted(by: >).prefix(3).map { [key, $0] }
                    }
                    #expect(found.map { [$0.key, $0.document] }.sorted { $0.lexicographicallyPrecedes($1) }
                        == expected.sorted { $0.lexicographicallyPrecedes($1) }, comment)
                }
            }
        }
        try expectIndexHolds("after filing")

        try db.writer.write { conn in
            for n in stride(from: 1, through: 300, by: 3) {
                try db.unfileBands(Int64(n), fallback: [], db: conn)
                for key in keysOf[Int64(n)]! { filed[key]!.removeAll { $0 == Int64(n) } }
            }
        }
        try expectIndexHolds("after a third was taken out")
    }

    /// A database filed before the levels keeps its rows as the last level, counted, and known to be out of the recent level.
    @Test func rowsFiledBeforeTheLevelsAreTheLastLevel() throws {
        let queue = try DatabaseQueue()
        try Migrations.migrator.migrate(queue, upTo: "source line rows counted beside the table")
        try queue.write { conn in
            try conn.execute(sql: """
                INSERT INTO item (path, name, size, first_seen, state) VALUES (x'70', 'p', 1, 1, 'stored');
                INSERT INTO document (title, body, body_hash, word_count, encoding, item_id, file, ingested_at)
                VALUES ('t', 'b', x'00', 1, 'utf-8', 1, 'p', 1);
                INSERT INTO near_band VALUES (42, 1), (43, 1);
                """)
        }
        let db = try CorpusDatabase(queue)
        let (counted, mergedThrough, found) = try queue.read { conn in
            (try Int.fetchOne(conn, sql: "SELECT value FROM corpus_stat WHERE name = 'near_band.rows'"),
             try db.bandStat(CorpusDatabase.mergedThroughCounter, db: conn),
             try db.bandBuckets([42, 43, 44], limit: 5, before: nil, db: conn).map(\.document))
        }
        #expect(counted == 2)
        #expect(found == [1, 1])
        // Its documents are not in the recent level: a look-up for documents after them reads only that level.
        #expect(mergedThrough == 1)
    }
}
