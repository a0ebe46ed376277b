import Foundation
import Testing

@testable import Pipeline

/// When a poll tick walks the whole inbox.
struct ScanScheduleTests {
    @Test func withCompleteInotifyOnlyTheSafetyIntervalOrADebtCallsForAFullScan() {
        var schedule = ScanSchedule(safetyInterval: 60)
        #expect(schedule.tickNeedsFullScan(now: 0, inotifyComplete: true), "nothing scanned yet")
        schedule.fullScanDone(at: 100)
        #expect(!schedule.tickNeedsFullScan(now: 102, inotifyComplete: true))
        #expect(!schedule.tickNeedsFullScan(now: 159.9, inotifyComplete: true))
        #expect(schedule.tickNeedsFullScan(now: 160, inotifyComplete: true))
        schedule.owe()
        #expect(schedule.tickNeedsFullScan(now: 101, inotifyComplete: true), "files found but not queued")
        schedule.fullScanDone(at: 101)
        #expect(!schedule.tickNeedsFullScan(now: 102, inotifyComplete: true), "the debt is paid by a full scan")
    }

    @Test func withoutCompleteInotifyEveryTickIsAFullScan() {
        var schedule = ScanSchedule(safetyInterval: 60)
        schedule.fullScanDone(at: 100)
        #expect(schedule.tickNeedsFullScan(now: 100.5, inotifyComplete: false))
    }
}
