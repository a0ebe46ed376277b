import Foundation
import Testing

@testable import Pipeline

/// The ingest loop's health, which the service manager's watchdog follows: a batch is hung when it has recorded
/// nothing for `hungAfter`, however long it has been under way (one large dump is one long batch).
struct DaemonHealthTests {
    @Test func aLongBatchThatRecordsChunksStaysHealthy() {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let health = DaemonHealth(now: t0)
        health.batchStarted(at: t0)
        #expect(health.isHealthy(now: t0.addingTimeInterval(59), hungAfter: 60))
        // Chunks of a container's entries every 50 s, for ten minutes: healthy throughout, and counted as they come.
        for k in 1...12 {
            let at = t0.addingTimeInterval(Double(k) * 50)
            health.entriesRecorded([.stored(documentID: Int64(k)), .duplicate(of: 1, kind: .sameText, similarity: 1)], at: at)
            #expect(health.isHealthy(now: at.addingTimeInterval(59), hungAfter: 60))
            #expect(health.snapshot.stored == k && health.snapshot.duplicates == k)
        }
        // Then nothing for more than a minute: hung.
        let last = t0.addingTimeInterval(600)
        #expect(!health.isHealthy(now: last.addingTimeInterval(61), hungAfter: 60))
        // The batch ends with its one single file; the entries are not counted twice.
        health.batchFinished(outcomes: [.failed(reason: "empty file")], entries: 24, at: last.addingTimeInterval(62))
        let snapshot = health.snapshot
        #expect((snapshot.stored, snapshot.duplicates, snapshot.failed, snapshot.batches) == (12, 12, 1, 1))
        #expect(snapshot.batchStartedAt == nil)
        #expect(health.isHealthy(now: last.addingTimeInterval(1_000), hungAfter: 60))
    }

    @Test func aBatchThatRecordsNothingIsHungAfterTheLimit() {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let health = DaemonHealth(now: t0)
        // Progress from an earlier batch does not make a new one healthy for longer.
        health.entriesRecorded([.stored(documentID: 1)], at: t0)
        health.batchFinished(outcomes: [], at: t0)
        health.batchStarted(at: t0.addingTimeInterval(100))
        #expect(health.isHealthy(now: t0.addingTimeInterval(159), hungAfter: 60))
        #expect(!health.isHealthy(now: t0.addingTimeInterval(161), hungAfter: 60))
    }
}
