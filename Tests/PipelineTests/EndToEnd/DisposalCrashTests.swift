#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

@testable import Pipeline

/// kill -9 on either side of moving an original out of the inbox: where it went is still known, so
/// `corpusctl show` names it and `corpusctl retry` finds it.
@Suite(.serialized)
struct DisposalCrashTests {
    @Test(arguments: [FaultInjection.Point.afterDisposalPlan, .afterDisposalMove])
    func aCrashAroundTheMoveKeepsTheOriginalsPlaceKnown(point: FaultInjection.Point) throws {
        let harness = try DaemonHarness()
        // Names already taken in archive/ and failed/: the originals go to `.1` names, which only a record can tell.
        for folder in [harness.archive, harness.failed] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        try Data("someone else's".utf8).write(to: harness.archive.appendingPathComponent("good.txt"))
        try Data("someone else's".utf8).write(to: harness.failed.appendingPathComponent("bad.txt"))

        try harness.start(["--poll", "0.5"], environment: ["CORPUSD_FAULT": point.rawValue])
        try harness.dropByRename("bad.txt", contents: Data())
        try harness.dropByRename("good.txt", contents: Articles.data(4242))
        #expect(try harness.waitForExit() == SIGKILL, "the armed crash point was not reached")
        let before = try harness.corpus().items()
        #expect(before.contains { $0.disposedPath == nil }, "the crash came after every move was recorded")

        try harness.start(["--poll", "0.5"])
        try harness.waitForOutcomes(2)
        try harness.waitUntil("both originals recorded as moved") {
            try harness.corpus().items().allSatisfy { $0.disposedPath?.isEmpty == false }
        }
        #expect(harness.rawEntries(in: harness.inbox).isEmpty)
        #expect(harness.files(in: harness.archive) == ["good.txt", "good.txt.1"])
        #expect(harness.files(in: harness.failed) == ["bad.txt", "bad.txt.1"])

        // show names the archived original where it really is.
        let stored = try #require(harness.list().first?["id"] as? Int)
        let show = try #require(try harness.ctlJSON(["show", String(stored)]) as? [String: Any])
        let provenance = try #require(show["provenance"] as? [[String: Any]])
        #expect(provenance.map { $0["original"] as? String } == ["archive/good.txt.1"])

        // retry finds the failed original and moves it back; the stranger's file stays.
        let failed = try #require(try harness.corpus().items(state: .failed).first)
        #expect(failed.disposedPath == "failed/bad.txt.1")
        let reply = try #require(try harness.ctlJSON(["retry", String(failed.id)]) as? [String: Any])
        #expect(reply["retried"] as? [Int] == [Int(failed.id)], "\(reply)")
        try harness.waitUntil("the retried item failed again and was moved") {
            let item = try harness.corpus().items(state: .failed).first
            return item?.id == failed.id && item?.disposedPath?.isEmpty == false
        }
        #expect(try harness.corpus().items(state: .failed).first?.disposedPath == "failed/bad.txt.1")
        #expect(try String(contentsOf: harness.failed.appendingPathComponent("bad.txt"), encoding: .utf8) == "someone else's")
        #expect(try harness.stop() == 0)
    }
}
