#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

@testable import Pipeline

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

        #expect(try harness.stop() == 0)
    }

    /// The syndicated copy with its title changed again and one more paragraph cut: near the seed, not the same text.
    static func resyndicated() throws -> String {
        var lines = try NearDuplicateTests.syndicatedNewsmax().components(separatedBy: "\n")
        lines = lines.map { $0 == "Beijing to host US officials for fentanyl talks" ? "US delegation heads to Beijing for drug talks" : $0 }
        let cut = try #require(lines.lastIndex { $0.split(separator: " ").count > 20 })
        lines.remove(at: cut)
        return lines.joined(separator: "\n").replacingOccurrences(of: "Wire Syndicate", with: "Second Wire")
    }

    static func nearDuplicates(_ harness: DaemonHarness) throws -> [String: Any] {
        let live = try #require(try harness.status()["live"] as? [String: Any])
        return try #require(live["near_duplicates"] as? [String: Any])
    }

    @Test func aRaisedThresholdSplitsCopiesALoweredOneMergesThemAndTheCorpusKeepsItsThreshold() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop(NearDuplicateTests.newsmax, contents: try DaemonHarness.seed(NearDuplicateTests.newsmax))
        try harness.drop(NearDuplicateTests.scmp, contents: try DaemonHarness.seed(NearDuplicateTests.scmp))
        try harness.waitForOutcomes(2)
        try harness.drop("syndicated.txt", contents: Data(try NearDuplicateTests.syndicatedNewsmax().utf8))
        // An entry of a JSON Lines file: its original is a line of its container in archive/.
        let entry = try JSONSerialization.data(withJSONObject: [
            "title": "Fentanyl talks to be held in Beijing", "source": "Line Wire", "body": try Self.resyndicated(),
        ])
        try harness.drop("wire.jsonl", contents: Data("{\"title\": \"A line about nothing else\"}\n".utf8) + entry + Data("\n".utf8))
        var counts = try harness.waitForOutcomes(6)
        #expect(counts["duplicate"] == 2 && counts["stored"] == 3 && counts["failed"] == 1, "\(counts)")
        let before = try #require((try harness.ctlJSON(["dupes"]) as? [[String: Any]])?.first)
        let newsmaxID = try #require((before["document"] as? [String: Any])?["id"] as? Int)
        #expect((before["copies"] as? [[String: Any]])?.map { $0["file"] as? String } == ["syndicated.txt", "wire.jsonl#2"])
        #expect(try Self.nearDuplicates(harness)["threshold"] as? Double == NearDuplicatePolicy.defaultThreshold)

        // Raised: both copies are below it, and each becomes a document of its own again.
        let raised = try #require(try harness.ctlJSON(["dedup", "--recheck", "--threshold", "0.99"]) as? [String: Any])
        let splits = try #require(raised["split"] as? [[String: Any]])
        #expect(splits.count == 2 && splits.allSatisfy { $0["outcome"] as? String == "stored" && $0["from"] as? Int == newsmaxID },
                "\(raised)")
        #expect((raised["merged"] as? [Any])?.isEmpty == true)
        #expect((raised["unreadable"] as? [Any])?.isEmpty == true)
        counts = try harness.itemCounts()
        #expect(counts["duplicate"] == 0 && counts["stored"] == 5, "\(counts)")
        #expect((try harness.ctlJSON(["dupes"]) as? [Any])?.isEmpty == true)
        let documents = try harness.list()
        #expect(Set(documents.compactMap { $0["file"] as? String })
            == [NearDuplicateTests.newsmax, NearDuplicateTests.scmp, "syndicated.txt", "wire.jsonl#2"])
        // Each with its own search row and tags.
        let found = try #require(try harness.ctlJSON(["search", "delegation heads"]) as? [[String: Any]])
        #expect(found.map { $0["file"] as? String } == ["wire.jsonl#2"])
        let syndicated = try #require(documents.first { $0["file"] as? String == "syndicated.txt" })
        #expect((syndicated["tags"] as? [String])?.isEmpty == false)
        #expect(syndicated["source"] as? String == "Wire Syndicate")
        // Run again: nothing left to do.
        let again = try #require(try harness.ctlJSON(["dedup", "--recheck", "--threshold", "0.99"]) as? [String: Any])
        #expect((again["split"] as? [Any])?.isEmpty == true && (again["merged"] as? [Any])?.isEmpty == true, "\(again)")
        #expect(try harness.list().count == 4)

        // Restarted with no threshold in its settings, the daemon keeps the corpus's: a further copy is no duplicate.
        #expect(try harness.stop() == 0)
        try harness.start()
        var near = try Self.nearDuplicates(harness)
        #expect(near["threshold"] as? Double == 0.99)
        #expect((near["corpus"] as? [String: Any])?["threshold"] as? Double == 0.99)
        #expect(near["warning"] is NSNull)
        var lines = try NearDuplicateTests.syndicatedNewsmax().components(separatedBy: "\n")
        lines.remove(at: try #require(lines.firstIndex { $0.split(separator: " ").count > 20 }))
        let resyndicated = lines.joined(separator: "\n").replacingOccurrences(of: "Wire Syndicate", with: "Third Wire")
        try harness.drop("resyndicated.txt", contents: Data(resyndicated.utf8))
        counts = try harness.waitForOutcomes(7)
        #expect(counts["duplicate"] == 0 && counts["stored"] == 6, "\(counts)")
        #expect(try harness.stop() == 0)

        // Restarted with 0.7 in its settings: that is in force, with a warning until the corpus is judged at it.
        try harness.start(["--near-threshold", "0.7"])
        near = try Self.nearDuplicates(harness)
        #expect(near["threshold"] as? Double == 0.7)
        #expect((near["warning"] as? String)?.contains("corpusctl dedup --recheck") == true)
        #expect(harness.log.contains("judged at threshold 0.99, new files are judged at 0.7"))
        let lowered = try #require(try harness.ctlJSON(["dedup", "--recheck"]) as? [String: Any])
        let merged = try #require(lowered["merged"] as? [[String: Any]])
        #expect(merged.count == 3 && merged.allSatisfy { $0["into"] as? Int == newsmaxID }, "\(lowered)")
        #expect(try Self.nearDuplicates(harness)["warning"] is NSNull)
        let group = try #require((try harness.ctlJSON(["dupes"]) as? [[String: Any]])?.first)
        #expect((group["copies"] as? [[String: Any]])?.compactMap { $0["file"] as? String }.sorted()
            == ["resyndicated.txt", "syndicated.txt", "wire.jsonl#2"])
        counts = try harness.itemCounts()
        #expect(counts["duplicate"] == 3 && counts["stored"] == 3, "\(counts)")
        // The seeds: still two documents, in one story.
        #expect(try harness.list().count == 2)
        let stories = try #require(try harness.ctlJSON(["stories"]) as? [[String: Any]])
        #expect(stories.count == 1 && stories.first?["size"] as? Int == 2)
        #expect(try harness.stop() == 0)
    }

    /// Many copies of one article, each missing a different sentence and adding its own: near the
    /// original (about 0.9), below 0.99 to it and to each other.
    static func copies(_ count: Int) -> (original: String, copies: [String]) {
        let sentences = (0..<40).map { i in
            "Clause \(i) of the harbour plan was read to the council on day \(i + 3), and member \(i * 7) asked for its cost."
        }
        func article(_ title: String, _ body: [String]) -> String {
            "\(title)\n\nPublished: 2024-03-0\(1 + body.count % 5)\n\n" + body.chunked(4).map { $0.joined(separator: " ") }.joined(separator: "\n\n") + "\n"
        }
        return (article("Harbour plan read to the council", sentences), (0..<count).map { n in
            var body = sentences
            body.remove(at: n % 40)
            body.append("Edition \(n) of this report was printed for reader group \(n * 13) in district \(n + 2).")
            return article("Harbour plan: edition \(n)", body)
        })
    }

    @Test func aReCheckKilledPartWayIsFinishedByRunningItAgain() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let (original, copies) = Self.copies(240)
        try harness.drop("original.txt", contents: Data(original.utf8))
        try harness.waitForOutcomes(1)
        for (n, copy) in copies.enumerated() { try harness.drop("copy-\(n).txt", contents: Data(copy.utf8)) }
        let counts = try harness.waitForOutcomes(241, timeout: 180)
        #expect(counts["duplicate"] == 240, "\(counts)")

        // kill -9 once some copies are split and before all are.
        let recheck = Process()
        recheck.executableURL = DaemonHarness.binDirectory.appendingPathComponent("corpusctl")
        recheck.arguments = ["dedup", "--recheck", "--threshold", "0.99", "--json", "--state-dir", harness.stateDir.path]
        recheck.standardOutput = FileHandle.nullDevice
        recheck.standardError = FileHandle.nullDevice
        try recheck.run()
        try harness.waitUntil("the re-check to split some copies", timeout: 120) {
            harness.log.components(separatedBy: "\n").filter { $0.contains("no longer a duplicate") }.count >= 3
        }
        harness.crash()
        recheck.waitUntilExit()
        let interrupted = harness.log.contains("near-duplicate re-check done")
        #expect(!interrupted, "the re-check finished before it could be killed: make the corpus larger")

        try harness.start()
        let corpus = try harness.corpus()
        let splitBefore = try corpus.items(state: .stored).count - 1
        #expect(splitBefore > 0 && splitBefore < 240)
        #expect((try Self.nearDuplicates(harness)["warning"] as? String)?.contains("did not finish") == true)
        let rerun = try #require(try harness.ctlJSON(["dedup", "--recheck", "--threshold", "0.99"]) as? [String: Any])
        #expect((rerun["split"] as? [Any])?.count == 240 - splitBefore, "\(rerun)")
        // The end state of an uninterrupted run: every copy its own document, each item one outcome.
        let items = try corpus.items()
        #expect(items.count == 241 && items.allSatisfy { $0.state == .stored })
        #expect(Set(items.compactMap(\.documentID)).count == 241)
        #expect(try corpus.counts().documents == 241)
        #expect(try corpus.duplicateGroups().isEmpty)
        #expect(try Self.nearDuplicates(harness)["warning"] is NSNull)
        #expect(try harness.stop() == 0)
    }

    /// Copies keep arriving while a re-check runs: whichever threshold a copy met first, the corpus ends
    /// judged at the new one — every copy its own document — and each item has one outcome.
    @Test func copiesArrivingDuringAReCheckEndJudgedAtTheNewThreshold() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let (original, copies) = Self.copies(360)
        try harness.drop("original.txt", contents: Data(original.utf8))
        try harness.waitForOutcomes(1)
        for n in 0..<240 { try harness.drop("copy-\(n).txt", contents: Data(copies[n].utf8)) }
        #expect(try harness.waitForOutcomes(241, timeout: 180)["duplicate"] == 240)

        let recheck = Process()
        recheck.executableURL = DaemonHarness.binDirectory.appendingPathComponent("corpusctl")
        recheck.arguments = ["dedup", "--recheck", "--threshold", "0.99", "--json", "--state-dir", harness.stateDir.path]
        let output = Pipe()
        recheck.standardOutput = output
        recheck.standardError = FileHandle.nullDevice
        try recheck.run()
        try harness.waitUntil("the re-check to start splitting", timeout: 120) { harness.log.contains("no longer a duplicate") }
        for n in 240..<360 { try harness.dropByRename("copy-\(n).txt", contents: Data(copies[n].utf8)) }
        let report = output.fileHandleForReading.readDataToEndOfFile()
        recheck.waitUntilExit()
        #expect(recheck.terminationStatus == 0, "\(String(decoding: report, as: UTF8.self))")
        let counts = try harness.waitForOutcomes(361, timeout: 180)
        // The two really overlapped: some new copy was recorded before the re-check was done.
        let log = harness.log
        let done = try #require(log.range(of: "near-duplicate re-check done"))
        let ingestedBefore = log[..<done.lowerBound].split(separator: "\n").filter {
            $0.contains("component=ingest") && $0.contains("outcome=stored") && $0.contains("file=copy-")
        }
        #expect(!ingestedBefore.isEmpty, "the re-check ended before any new copy arrived")
        #expect(counts["stored"] == 361 && (counts["duplicate"] ?? 0) == 0, "\(counts)")
        let corpus = try harness.corpus()
        #expect(try corpus.counts().documents == 361)
        #expect(try corpus.duplicateGroups().isEmpty)
        #expect(try harness.check()["ok"] as? Bool == true)
        #expect(try harness.stop() == 0)
    }
}

/// Related stories are found by time, not by id.
@Suite(.serialized)
struct StoryWindowEndToEndTests {
    /// Half of the Newsmax seed's paragraphs (`odd` or even ones), under another title and date line.
    static func newsmaxHalf(odd: Bool, title: String, dateLine: String) throws -> String {
        let lines = try NearDuplicateTests.seedText(NearDuplicateTests.newsmax).components(separatedBy: "\n")
        let byline = try #require(lines.firstIndex { $0.hasPrefix("By") })
        let paragraphs = lines[(byline + 1)...].filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let kept = paragraphs.enumerated().filter { ($0.offset % 2 == 1) == odd }.map(\.element)
        return ([title, "", "By Staff | \(dateLine)", ""] + kept).joined(separator: "\n\n") + "\n"
    }

    /// Undated articles of words made up from their number: no names, nothing in common with any other.
    static func fillers(_ count: Int) throws -> Data {
        let syllables = ["ka", "lo", "mi", "nu", "pe", "ri", "so", "tu", "va", "ze", "bo", "di"]
        func word(_ n: Int, _ k: Int) -> String {
            // splitmix64's finalizer over (n, k): no two articles share a run of words.
            var z = UInt64(n) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(k) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            var x = Int((z ^ (z >> 31)) >> 1)
            var out = ""
            for _ in 0..<4 {
                out += syllables[x % syllables.count]
                x /= syllables.count
            }
            return out
        }
        var lines = Data()
        for n in 0..<count {
            let sentences = (0..<4).map { s in (0..<9).map { word(n, s * 9 + $0) }.joined(separator: " ") + "." }
            lines += try JSONSerialization.data(withJSONObject: ["title": "filler \(n)", "body": sentences.joined(separator: " ")])
            lines += Data("\n".utf8)
        }
        return lines
    }

    @Test func relatedArticlesAreLinkedByDateNotById() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop(NearDuplicateTests.newsmax, contents: try DaemonHarness.seed(NearDuplicateTests.newsmax))
        try harness.waitForOutcomes(1)
        // More documents in between than the look-up ever took by id (5,000).
        let fillerCount = 5_050
        try harness.drop("fillers.jsonl", contents: try Self.fillers(fillerCount))
        var counts = try harness.waitForOutcomes(fillerCount + 2, timeout: 240)
        #expect(counts["stored"] == fillerCount + 2, "\(counts)")

        // Far from the seed in id, a day after it in date: linked.
        try harness.drop("same-week.txt", contents: Data(try Self.newsmaxHalf(
            odd: true, title: "Beijing talks on fentanyl next week", dateLine: "Saturday, 27 January 2024 09:00 AM EST").utf8))
        // Right after it in id, a year later in date: not linked to either.
        try harness.drop("next-year.txt", contents: Data(try Self.newsmaxHalf(
            odd: false, title: "A year on from the fentanyl talks", dateLine: "Sunday, 26 January 2025 11:12 AM EST").utf8))
        counts = try harness.waitForOutcomes(fillerCount + 4, timeout: 60)
        #expect(counts["stored"] == fillerCount + 4 && counts["duplicate"] == 0, "\(counts)")
        func id(_ file: String) throws -> Int {
            let item = try harness.corpus().items(state: .stored, limit: 10_000).first { $0.name == file }
            return Int(try #require(item?.documentID))
        }
        let seed = try id(NearDuplicateTests.newsmax)
        let sameWeek = try id("same-week.txt"), nextYear = try id("next-year.txt")
        #expect(sameWeek - seed > 5_000 && nextYear == sameWeek + 1)
        func related(_ id: Int) throws -> [Int] {
            let show = try #require(try harness.ctlJSON(["show", String(id)]) as? [String: Any])
            return (show["related"] as? [[String: Any]])?.compactMap { ($0["document"] as? [String: Any])?["id"] as? Int } ?? []
        }
        #expect(try related(sameWeek) == [seed])
        #expect(try related(nextYear).isEmpty)

        // The undated SCMP seed is judged by its arrival: one story with the Newsmax seed, and two documents.
        try harness.drop(NearDuplicateTests.scmp, contents: try DaemonHarness.seed(NearDuplicateTests.scmp))
        counts = try harness.waitForOutcomes(fillerCount + 5, timeout: 60)
        #expect(counts["stored"] == fillerCount + 5 && counts["duplicate"] == 0, "\(counts)")
        let scmp = try id(NearDuplicateTests.scmp)
        #expect(try related(scmp).contains(seed))
        let stories = try #require(try harness.ctlJSON(["stories"]) as? [[String: Any]])
        let story = try #require(stories.first { (($0["documents"] as? [[String: Any]]) ?? []).contains { $0["id"] as? Int == seed } })
        #expect(((story["documents"] as? [[String: Any]]) ?? []).contains { $0["id"] as? Int == scmp })
        #expect(try harness.stop() == 0)
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
