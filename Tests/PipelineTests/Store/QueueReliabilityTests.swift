import Foundation
import Testing

@testable import Pipeline

/// The queue's defences against the races and crashes that the end-to-end tests provoke.
struct QueueReliabilityTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func candidate(_ name: String) -> InboxCandidate {
        InboxCandidate(path: InboxPath(name), size: 10, mtime: 1)
    }

    func finish(_ db: CorpusDatabase, _ claimed: [ClaimedItem], at time: Date) throws {
        let recorded = try db.record(claimed.map {
            ProcessedItem(item: $0, rawHash: nil, result: .failure(.pipeline(.empty)))
        }, now: time)
        try db.markDisposed(recorded.map { ($0.id, Array("failed/x".utf8)) }, now: time)
    }

    @Test func aScanThatRacedTheDisposalDoesNotQueueTheFileAgain() throws {
        let db = try CorpusDatabase.inMemory()
        try db.register([candidate("a.txt")], now: now)
        try finish(db, try db.claim(limit: 1, worker: "w", lease: 60, now: now), at: now.addingTimeInterval(5))
        // Seen by a scan that began before the original was moved away: it was the same file.
        #expect(try db.register([candidate("a.txt")], seenSince: now.addingTimeInterval(4), now: now.addingTimeInterval(6)) == 0)
        // Seen by a scan that began after: a new file under the same name.
        #expect(try db.register([candidate("a.txt")], seenSince: now.addingTimeInterval(7), now: now.addingTimeInterval(7)) == 1)
    }

    @Test func anItemTheDaemonDiedHoldingIsClaimedAlone() throws {
        let db = try CorpusDatabase.inMemory()
        try db.register((1...5).map { candidate("\($0).txt") }, now: now)
        let first = try db.claim(limit: 3, worker: "host:1", lease: 60, now: now)
        #expect(first.count == 3)
        // The daemon died with three claimed: they come back, and each is taken on its own.
        #expect(try db.recoverAbandoned(workerPrefix: "host:", now: now) == 3)
        for expected in ["1.txt", "2.txt", "3.txt"] {
            let alone = try db.claim(limit: 3, worker: "host:2", lease: 60, now: now)
            #expect(alone.map(\.path.description) == [expected])
            #expect(alone.first?.attempts == 2)
            try finish(db, alone, at: now)
        }
        #expect(try db.claim(limit: 3, worker: "host:2", lease: 60, now: now).map(\.path.description) == ["4.txt", "5.txt"])
    }

    @Test func aReleasedClaimIsNotCountedAsAnInterruption() throws {
        let db = try CorpusDatabase.inMemory()
        try db.register([candidate("a.txt"), candidate("b.txt")], now: now)
        for round in 0..<20 {
            let claimed = try db.claim(limit: 2, worker: "w", lease: 60, now: now.addingTimeInterval(Double(round)))
            #expect(claimed.count == 2, "released items must come back as a batch, not as suspects")
            #expect(claimed.allSatisfy { $0.attempts == 1 })
            try db.release(claimed.map(\.id), error: "disk full", notBefore: now.addingTimeInterval(Double(round) + 0.5))
        }
    }
}

/// When a file found by the scan is complete enough to queue.
struct SettleTrackerTests {
    func entry(_ name: String, size: Int64, mtime: Double, ctime: Double) -> InboxEntry {
        InboxEntry(path: InboxPath(name), kind: .regular, size: size, mtime: mtime,
                   signature: .init(device: 1, inode: 7, size: size, mtimeNanos: Int64(mtime * 1e9), ctimeNanos: Int64(ctime * 1e9)))
    }

    @Test func aFileStillChangingIsNotReady() {
        var tracker = SettleTracker(settle: 1)
        #expect(tracker.ready(from: [entry("a", size: 10, mtime: 100, ctime: 100)], now: 100.2, complete: true).isEmpty)
        #expect(tracker.ready(from: [entry("a", size: 20, mtime: 100.9, ctime: 100.9)], now: 101.5, complete: true).isEmpty)
        // Unchanged across two scans and older than the settle interval.
        #expect(tracker.ready(from: [entry("a", size: 20, mtime: 100.9, ctime: 100.9)], now: 102, complete: true).count == 1)
    }

    @Test func anOldMtimeDoesNotHideARecentChange() {
        var tracker = SettleTracker(settle: 1)
        // A copy tool set an old mtime, but the ctime says the file changed just now.
        #expect(tracker.ready(from: [entry("a", size: 10, mtime: 10, ctime: 100)], now: 100.1, complete: true).isEmpty)
        #expect(tracker.ready(from: [entry("a", size: 10, mtime: 10, ctime: 100)], now: 101.2, complete: true).count == 1)
    }

    @Test func aQueuedFileIsNotOfferedAgainUntilItChanges() {
        var tracker = SettleTracker(settle: 1)
        let file = entry("a", size: 10, mtime: 10, ctime: 10)
        let ready = tracker.ready(from: [file], now: 100, complete: true)
        #expect(ready.count == 1)
        tracker.markQueued(ready)
        #expect(tracker.ready(from: [file], now: 101, complete: true).isEmpty)
        #expect(tracker.ready(from: [entry("a", size: 11, mtime: 10, ctime: 102)], now: 104, complete: true).count == 1)
    }
}
