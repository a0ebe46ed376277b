#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The spine, as a user would see it: the real corpusd and corpusctl on a temporary state folder.
@Suite(.serialized)
struct SpineEndToEndTests {
    @Test func seedsAreIngestedDeduplicatedAndListedByTag() throws {
        let harness = try DaemonHarness()
        try harness.start()

        let newsmax = try DaemonHarness.seed("000_cec38e9690f741cb.txt")
        let scmp = try DaemonHarness.seed("002_c94ece29d17d2aab.txt")
        try harness.drop("000_cec38e9690f741cb.txt", contents: newsmax)          // written in place
        try harness.dropByRename("002_c94ece29d17d2aab.txt", contents: scmp)     // temp name, renamed in
        try harness.drop("copy of newsmax.txt", contents: newsmax)               // exact copy, other name

        let counts = try harness.waitForOutcomes(3)
        #expect(counts["stored"] == 2)
        #expect(counts["duplicate"] == 1)
        #expect(counts["failed"] == 0)

        let status = try harness.status()
        #expect(status["documents"] as? Int == 2)
        #expect(status["duplicates"] as? Int == 1)
        let daemon = status["daemon"] as? [String: Any]
        #expect(daemon?["running"] as? Bool == true)
        #expect(daemon?["pid"] as? Int == Int(harness.pid))

        let china = try harness.list(["--tag", "china"])
        #expect(china.count == 2)
        let titles = Set(china.compactMap { $0["title"] as? String })
        #expect(titles == ["US, China Plan High-level Talks on Fentanyl Crisis",
                           "US, China launch working group to address opioid crisis"])
        for document in china {
            for key in ["id", "title", "source", "published", "tags", "file", "ingested_at"] {
                #expect(document.keys.contains(key), "list --json lacks \(key)")
            }
            #expect((document["tags"] as? [String])?.contains("china") == true)
        }
        let newsmaxDocument = try #require(china.first { $0["source"] as? String == "Newsmax" })
        #expect(newsmaxDocument["published"] as? String == "2024-01-26T11:12:00-05:00")
        #expect(newsmaxDocument["file"] as? String == "000_cec38e9690f741cb.txt")
        let scmpDocument = try #require(china.first { $0["source"] as? String == "South China Morning Post" })
        #expect(scmpDocument["published"] is NSNull)

        // Several tags must all match; an alias names the same tag.
        #expect(try harness.list(["--tag", "china", "--tag", "u.s."]).count == 2)
        #expect(try harness.list(["--tag", "fentanyl"]).count == 1)
        #expect(try harness.list(["--tag", "sport"]).isEmpty)                    // known, but on no document
        let unknown = try harness.ctl(["list", "--tag", "no-such-tag"])           // a typo is an error, not "none"
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("unknown tag 'no-such-tag'"))

        // Every original is in archive/, none left in the inbox, none lost.
        #expect(harness.files(in: harness.archive) == ["000_cec38e9690f741cb.txt", "002_c94ece29d17d2aab.txt", "copy of newsmax.txt"])
        #expect(harness.files(in: harness.inbox).isEmpty)
        #expect(harness.files(in: harness.failed).isEmpty)

        let exit = try harness.stop()
        #expect(exit == 0)
        #expect(harness.notifySocket.messages.contains { $0.contains("STOPPING=1") })

        // Stopped: status says so with exit code 3, and corpusctl created nothing in the state folder.
        let before = Set(harness.files(in: harness.stateDir))
        let stopped = try harness.ctl(["status", "--json"])
        #expect(stopped.status == 3)
        #expect(stopped.text.contains("\"running\" : false"))
        #expect(Set(harness.files(in: harness.stateDir)) == before)
    }

    @Test func filesDroppedWhileStoppedArePickedUpAtStart() throws {
        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(at: harness.inbox, withIntermediateDirectories: true)
        try harness.drop("early.txt", contents: try DaemonHarness.seed("002_c94ece29d17d2aab.txt"))
        try harness.start()
        let counts = try harness.waitForOutcomes(1)
        #expect(counts["stored"] == 1)
        #expect(try harness.stop() == 0)
    }

    @Test func corpusctlExplainsAMissingDatabase() throws {
        let harness = try DaemonHarness()
        let result = try harness.ctl(["list"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no database yet"))
        #expect(harness.files(in: harness.stateDir).isEmpty)
    }
}

/// Failed items can be put back through the daemon's control socket.
@Suite(.serialized)
struct RetryEndToEndTests {
    @Test func aFailedItemIsRetriedAfterTheCauseIsFixed() throws {
        let harness = try DaemonHarness()
        // A 2 KB limit makes the seed fail as too large.
        try harness.start(["--max-file-size", "2048"])
        try harness.drop("big.txt", contents: try DaemonHarness.seed("000_cec38e9690f741cb.txt"))
        var counts = try harness.waitForOutcomes(1)
        #expect(counts["failed"] == 1)
        #expect(harness.files(in: harness.failed) == ["big.txt"])
        let status = try harness.status()
        let live = status["live"] as? [String: Any]
        #expect(live?["failed_since_start"] as? Int == 1)
        #expect(try harness.stop() == 0)

        try harness.start()
        let retry = try harness.ctl(["retry", "--failed", "--json"])
        #expect(retry.status == 0, "\(retry.stderr)")
        counts = try harness.waitForOutcomes(1)
        #expect(counts["stored"] == 1)
        #expect(counts["failed"] == 0)
        #expect(harness.files(in: harness.failed).isEmpty)
        #expect(harness.files(in: harness.archive) == ["big.txt"])
        #expect(try harness.stop() == 0)

        // With the daemon stopped, a control command says so and exits 3.
        let stopped = try harness.ctl(["retry", "--failed"])
        #expect(stopped.status == 3)
        #expect(stopped.stderr.contains("not running"))
    }
}
