#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

@testable import Pipeline

/// While inotify reports every arrival, polls do not walk the whole inbox; without it, every poll does.
@Suite(.serialized)
struct ScanFrequencyTests {
    static func scans(_ harness: DaemonHarness, _ kind: String) throws -> Double {
        let metrics = try harness.ctlJSON(["metrics"]) as? [String: [[String: Any]]] ?? [:]
        return metrics["corpusd_inbox_scans_total"]?
            .first { ($0["labels"] as? [String: String]) == ["kind": kind] }?["value"] as? Double ?? 0
    }

    @Test func withInotifyPollsLookOnlyAtSettlingFiles() throws {
        let harness = try DaemonHarness()
        try harness.start(["--poll", "0.1"])
        try harness.waitUntil("10 polls") { try Self.scans(harness, "settling") >= 10 }
        #expect(try Self.scans(harness, "full") == 1, "only the start-up scan")
        // Files still arrive (by inotify) between full scans, and a rescan asked for is a full one.
        try harness.drop("a.txt", contents: Articles.data(1))
        try harness.dropByRename("b.txt", contents: Articles.data(2))
        #expect(try harness.waitForOutcomes(2)["stored"] == 2)
        #expect(try Self.scans(harness, "full") == 1)
        _ = try harness.ctl(["rescan"])
        try harness.waitUntil("the rescan") { try Self.scans(harness, "full") == 2 }
        #expect(try harness.stop() == 0)
    }

    @Test func withoutInotifyEveryPollIsAFullScan() throws {
        let harness = try DaemonHarness()
        try harness.start(["--no-inotify", "--poll", "0.1"])
        try harness.waitUntil("5 full scans") { try Self.scans(harness, "full") >= 5 }
        #expect(try Self.scans(harness, "settling") == 0)
        #expect(try harness.stop() == 0)
    }
}
