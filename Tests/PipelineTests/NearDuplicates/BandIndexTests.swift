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

    /// Inserts a placeholder document `id` (band rows refer to it) and files it under `keys`.
    func file(_ id: Int64, keys: [Int64], in db: CorpusDatabase, _ conn: Database) throws {
        try conn.execute(sql: """
            INSERT INTO document (id, title, body, body_hash, word_count, encoding, item_id, file, ingested_at)
            VALUES (?, 't', 'b', ?, 1, 'utf-8', 1, 'f', 1)
            """, arguments: [id, Data("\(id)".utf8)])
        try db.fileBands(id, NearDuplicateFingerprint(shingles: [], minHash: [], bandKeys: keys), db: conn)
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
    /// With a filter of the last level's keys (filled while the database was empty, then set by each merge), the same;
    /// and the filter rules out keys never filed.
    @Test(arguments: [false, true])
    func lookUpsGiveWhatOneTableOfEveryRowGivesThroughMergesSweepsAndRemovals(filtered: Bool) throws {
        let filter = filtered ? BandKeyFilter() : nil
        var db = try CorpusDatabase(DatabaseQueue(configuration: CorpusDatabase.makeConfiguration()), bandFilter: filter)
        try filter?.fill(from: db)
        db.bandLevels = BandIndexLevels(recentLimit: 40, sweepShare: 2)
        var (random, seed) = TestRandom.generator()
        // 400 keys to file, and 40 never filed, in every probe (at most 160 keys: SQLite's 500 terms of a compound SELECT).
        let keys = (0..<440).map { _ in Int64.random(in: .min ... .max, using: &random) }
        let (pool, absent) = (Array(keys.prefix(400)), Array(keys.suffix(40)))
        var filed: [Int64: [Int64]] = [:]  // key → documents
        var keysOf: [Int64: [Int64]] = [:]
        var sliceCounts: Set<UInt64> = []
        var plans: Set<String> = []
        try db.writer.write { conn in
            for n in 1...300 {
                let keys = Array(Set((0..<25).map { _ in pool.randomElement(using: &random)! }))
                try file(Int64(n), keys: keys, in: db, conn)
                keysOf[Int64(n)] = keys
                for key in keys { filed[key, default: []].append(Int64(n)) }
                let lastRows = try Int.fetchOne(conn, sql: "SELECT value FROM corpus_stat WHERE name = 'near_band.rows'")!
                sliceCounts.insert(db.bandLevels.slices(lastRows: lastRows))
                // The writer's half of a look-up made ahead: the documents filed after one a few back, whichever
                // levels merges have moved them to since.
                for after in [n - 1, n - 2, n - 3, n - 6].map(Int64.init) where after > 0 {
                    let plan = try db.bandReadPlan(after: after, db: conn)
                    plans.insert(plan.lastFor == nil ? "levels \(plan.levels)" : "levels 2 and the swept keys")
                    let probe = Array(pool.prefix(120)) + absent
                    let found = try db.bandBuckets(probe, limit: 3, before: nil, after: after, db: conn)
                    let expected = probe.flatMap { key in
                        (filed[key] ?? []).filter { $0 > after }.sorted(by: >).prefix(3).map { [key, $0] }
                    }
                    #expect(found.map { [$0.key, $0.document] }.sorted { $0.lexicographicallyPrecedes($1) }
                        == expected.sorted { $0.lexicographicallyPrecedes($1) }, "seed \(seed), document \(n), after \(after), \(plan)")
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
                    let probe = Array(pool.prefix(60)) + absent
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
        if let filter {
            // 2 MiB for ~400 keys: a false positive is a chance of about one in ten thousand per key.
            #expect(absent.filter { filter.mayContain($0) }.count <= 1)
            let older = try db.writer.read { try Int64.fetchAll($0, sql: "SELECT key FROM near_band UNION SELECT key FROM near_band_middle") }
            #expect(!older.isEmpty && older.allSatisfy { filter.mayContain($0) })
        }
    }

    /// Which levels each key is read in: the plan's, or the recent level alone for the keys a filled filter rules out.
    @Test func keysAreReadInTheLevelsThePlanAndTheFilterLeave() throws {
        let keys: [Int64] = [-5, 50, 200, 7_000]
        func read(_ plan: CorpusDatabase.BandReadPlan, _ filter: BandKeyFilter? = nil) -> [String] {
            let reads = CorpusDatabase.levelsRead(keys, plan: plan, filter: filter, step: 1)
            #expect(reads.map(\.levels) == reads.map(\.levels).sorted(by: >), "most levels first")
            return reads.map { "\($0.key):\($0.levels)" }.sorted()
        }
        #expect(read(.init(levels: 1, lastFor: nil)) == ["-5:1", "200:1", "50:1", "7000:1"], "the recent level alone")
        #expect(read(.init(levels: 3, lastFor: nil)) == ["-5:3", "200:3", "50:3", "7000:3"])
        #expect(read(.init(levels: 2, lastFor: [0...100, 5_000...9_000])) == ["-5:2", "200:2", "50:3", "7000:3"])
        let filter = BandKeyFilter(bytes: 1 << 16)
        filter.insert(50)
        filter.insert(-5)
        #expect(read(.init(levels: 3, lastFor: nil), filter) == ["-5:3", "200:3", "50:3", "7000:3"], "not filled yet: every key")
        try filter.fill(from: try CorpusDatabase.inMemory())
        #expect(read(.init(levels: 3, lastFor: nil), filter) == ["-5:3", "200:1", "50:3", "7000:1"])
        #expect(read(.init(levels: 2, lastFor: [0...100, 5_000...9_000]), filter) == ["-5:2", "200:1", "50:3", "7000:1"])
        #expect(read(.init(levels: 1, lastFor: nil), filter) == ["-5:1", "200:1", "50:1", "7000:1"])

        // The counts of keys per number of levels are rounded up to a multiple of five (a statement per count), the keys
        // after a count's read in as many levels.
        let many = Array(Int64(1)...12), needed: Set<Int64> = [1, 2, 3, 5, 7, 9, 11]
        let wide = BandKeyFilter(bytes: 1 << 16)
        for key in needed { wide.insert(key) }
        try wide.fill(from: try CorpusDatabase.inMemory())
        try #require(many.filter { wide.mayContain($0) } == needed.sorted(), "no false positive among these keys")
        func counts(_ plan: CorpusDatabase.BandReadPlan) -> [Int] {
            let reads = CorpusDatabase.levelsRead(many, plan: plan, filter: wide)
            #expect(reads.map(\.levels) == reads.map(\.levels).sorted(by: >))
            if plan.levels > 1 { #expect(Set(reads.prefix(needed.count).map(\.key)) == needed, "the keys that need the levels first") }
            return (1...3).map { levels in reads.filter { $0.levels == levels }.count }
        }
        #expect(counts(.init(levels: 3, lastFor: nil)) == [2, 0, 10], "7 keys in every level: 10")
        #expect(counts(.init(levels: 2, lastFor: [1...1])) == [2, 5, 5], "1 in every level: 5; 7 in two or more: 10")
        #expect(counts(.init(levels: 1, lastFor: nil)) == [12, 0, 0])
    }

    /// Filled in chunks while merges move keys into the older levels between them: every key of the middle and last
    /// levels is set, whether a chunk read it or the merge that moved it set it.
    @Test func aFilterFilledWhileMergesRunHoldsEveryKeyOfTheOlderLevels() throws {
        let queue = try DatabaseQueue(configuration: CorpusDatabase.makeConfiguration())
        var plain = try CorpusDatabase(queue)
        plain.bandLevels = BandIndexLevels(recentLimit: 40, sweepShare: 2)
        var (random, seed) = TestRandom.generator()
        var next: Int64 = 1
        func fileDocuments(_ count: Int, into db: CorpusDatabase) throws {
            try db.writer.write { conn in
                for _ in 0..<count {
                    try file(next, keys: (0..<25).map { _ in Int64.random(in: .min ... .max, using: &random) }, in: db, conn)
                    next += 1
                }
            }
        }
        try fileDocuments(100, into: plain)  // before the filter: only its fill can know these keys
        let filter = BandKeyFilter()
        var filtered = try CorpusDatabase(queue, bandFilter: filter)
        filtered.bandLevels = plain.bandLevels
        var chunks = 0
        try filter.fill(from: filtered, chunk: 200) {
            chunks += 1
            try fileDocuments(10, into: filtered)
        }
        #expect(chunks >= 3 && filter.isFilled)
        let (older, counted) = try queue.read { conn in
            (try Int64.fetchAll(conn, sql: "SELECT key FROM near_band UNION SELECT key FROM near_band_middle"),
             try Int.fetchOne(conn, sql: "SELECT (SELECT COUNT(*) FROM near_band) + (SELECT COUNT(*) FROM near_band_middle)") ?? 0)
        }
        #expect(counted > 100 * 25, "merges moved keys into the older levels while they were read")
        #expect(older.filter { !filter.mayContain($0) }.isEmpty, "seed \(seed)")
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
             try db.corpusStat(CorpusDatabase.mergedThroughCounter, db: conn),
             try db.bandBuckets([42, 43, 44], limit: 5, before: nil, db: conn).map(\.document))
        }
        #expect(counted == 2)
        #expect(found == [1, 1])
        // Its documents are not in the recent level: a look-up for documents after them reads only that level.
        #expect(mergedThrough == 1)
    }
}
