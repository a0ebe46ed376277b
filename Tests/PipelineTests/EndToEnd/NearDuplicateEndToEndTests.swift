#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Near-duplicates and stories as a user sees them: the real corpusd and corpusctl.
@Suite(.serialized)
struct NearDuplicateEndToEndTests {
    @Test func aSyndicatedCopyIsRecordedAsANearDuplicateAndTheSeedsFormOneStory() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop(NearDuplicateTests.newsmax, contents: try DaemonHarness.seed(NearDuplicateTests.newsmax))
        try harness.drop(NearDuplicateTests.scmp, contents: try DaemonHarness.seed(NearDuplicateTests.scmp))
        try harness.waitForOutcomes(2)
        try harness.drop("syndicated.txt", contents: Data(try NearDuplicateTests.syndicatedNewsmax().utf8))
        let counts = try harness.waitForOutcomes(3)
        #expect(counts["stored"] == 2 && counts["duplicate"] == 1)
        // Never deleted: the copy's original is in archive/ like the others.
        #expect(harness.files(in: harness.archive).contains("syndicated.txt"))

        let groups = try #require(try harness.ctlJSON(["dupes"]) as? [[String: Any]])
        #expect(groups.count == 1)
        let document = try #require(groups.first?["document"] as? [String: Any])
        #expect(document["source"] as? String == "Newsmax")
        let copy = try #require((groups.first?["copies"] as? [[String: Any]])?.first)
        #expect(copy["kind"] as? String == "near")
        #expect(copy["file"] as? String == "syndicated.txt")
        #expect(copy["source"] as? String == "Wire Syndicate")
        #expect((copy["similarity"] as? Double ?? 0) >= 0.7)
        let newsmaxID = try #require(document["id"] as? Int)

        let stories = try #require(try harness.ctlJSON(["stories"]) as? [[String: Any]])
        #expect(stories.count == 1)
        #expect(stories.first?["size"] as? Int == 2)

        let listed = try harness.list(["--include-duplicates"])
        #expect(listed.count == 2)
        let newsmaxListing = try #require(listed.first { $0["id"] as? Int == newsmaxID })
        #expect((newsmaxListing["duplicates"] as? [[String: Any]])?.first?["file"] as? String == "syndicated.txt")
        #expect(try harness.list().allSatisfy { $0["duplicates"] == nil })

        let show = try #require(try harness.ctlJSON(["show", String(newsmaxID)]) as? [String: Any])
        #expect((show["duplicates"] as? [[String: Any]])?.count == 1)
        #expect((show["related"] as? [[String: Any]])?.count == 1)
        let text = try harness.ctl(["show", String(newsmaxID), "--no-pager"]).text
        #expect(text.contains("duplicates") && text.contains("syndicated.txt") && text.contains("related"))

        // A stricter threshold through the daemon: nothing merges, the copy is reported below it.
        let recheck = try #require(try harness.ctlJSON(["dedup", "--recheck", "--threshold", "0.99"]) as? [String: Any])
        #expect(recheck["documents_checked"] as? Int == 2)
        #expect((recheck["below_threshold"] as? [Int])?.count == 1)
        #expect(try harness.stop() == 0)
    }
}
