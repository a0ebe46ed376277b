#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import Testing

/// Every corpusctl command, run as a user would against a corpus the real daemon filled: the JSON of each,
/// the exit codes, and golden samples of the human output at a fixed width.
@Suite(.serialized)
struct CorpusctlEndToEndTests {
    static let harbour = """
        Source: Harbour Gazette
        Published: 2024-03-05
        Tags: shipping | weather

        Storm closes the northern harbour for two days

        By Ann Lee

        A winter storm closed the northern harbour on Monday, leaving forty container ships waiting offshore while \
        pilots refused to board in waves higher than six metres.

        The harbour master said the channel would reopen on Wednesday morning once the swell had dropped and \
        divers had checked the breakwater for damage.

        Fishing crews tied up in the inner basin, and the ferry to the islands was cancelled for a second day.
        """

    static let harbourFollowUp = """
        Source: Harbour Gazette
        Published: 2024-03-08
        Tags: shipping

        Harbour reopens as container backlog clears

        The northern harbour reopened on Wednesday and the first container ships were berthed by the afternoon, \
        the harbour master said.

        Pilots worked through the night to bring in the waiting vessels, and the port expects the backlog to clear \
        by the weekend.
        """

    /// One corpus for every check below: two seeds, an exact copy, two local articles, one file that fails.
    static func filledHarness(_ extra: [String] = []) throws -> DaemonHarness {
        let harness = try DaemonHarness()
        try harness.start(extra)
        try harness.drop("000_cec38e9690f741cb.txt", contents: try DaemonHarness.seed("000_cec38e9690f741cb.txt"))
        try harness.drop("002_c94ece29d17d2aab.txt", contents: try DaemonHarness.seed("002_c94ece29d17d2aab.txt"))
        try harness.waitForOutcomes(2)
        try harness.drop("harbour-storm.txt", contents: Data(harbour.utf8))
        try harness.waitForOutcomes(3)
        try harness.drop("harbour-reopens.txt", contents: Data(harbourFollowUp.utf8))
        try harness.drop("copy.txt", contents: try DaemonHarness.seed("000_cec38e9690f741cb.txt"))
        try harness.drop("empty.txt", contents: Data("x\n".utf8))
        try harness.waitForOutcomes(6)
        return harness
    }

    @Test func everyCommandAgainstARealCorpus() throws {
        let harness = try Self.filledHarness()

        // status: running, exit 0, live figures from the daemon.
        let running = try harness.ctl(["status", "--json"])
        #expect(running.status == 0)
        let status = try #require(try JSONSerialization.jsonObject(with: running.stdout) as? [String: Any])
        #expect(status["documents"] as? Int == 4)
        #expect((status["items"] as? [String: Int]) == ["pending": 0, "processing": 0, "stored": 4, "duplicate": 1,
                                                         "failed": 1, "retrying": 0])
        let live = try #require(status["live"] as? [String: Any])
        #expect(live["stored_since_start"] as? Int == 4)
        #expect(live["failed_since_start"] as? Int == 1)
        #expect(live["uptime_seconds"] is Double)
        let statusText = try harness.ctl(["status", "--color", "never"])
        #expect(statusText.status == 0)
        #expect(statusText.text.contains("since start  4 stored, 1 duplicate, 1 failed"))

        // queue: every item, newest first; filters by state.
        let queue = try #require(try harness.ctlJSON(["queue"]) as? [[String: Any]])
        #expect(Set(queue.compactMap { $0["file"] as? String }) == [
            "empty.txt", "copy.txt", "harbour-reopens.txt", "harbour-storm.txt", "002_c94ece29d17d2aab.txt",
            "000_cec38e9690f741cb.txt"])
        let ids = queue.compactMap { $0["id"] as? Int }
        #expect(ids == ids.sorted(by: >))
        for entry in queue {
            for key in ["id", "file", "size", "state", "reason", "document_id", "duplicate_kind", "similarity",
                        "first_seen", "finished_at", "original"] {
                #expect(entry.keys.contains(key), "queue --json lacks \(key)")
            }
        }
        let failed = try #require(try harness.ctlJSON(["queue", "--state", "failed"]) as? [[String: Any]])
        #expect(failed.count == 1)
        #expect(failed.first?["file"] as? String == "empty.txt")
        #expect((failed.first?["reason"] as? String)?.isEmpty == false)
        #expect(failed.first?["original"] as? String == "failed/empty.txt")
        let duplicate = try #require(try harness.ctlJSON(["queue", "--state", "duplicate"]) as? [[String: Any]])
        #expect(duplicate.first?["duplicate_kind"] as? String == "exact-bytes")
        #expect(try harness.ctl(["queue", "--since", "1d", "--json"]).status == 0)
        let queueText = try harness.ctl(["queue", "--width", "100"])
        #expect(queueText.text.contains("duplicate of"))

        // list: filters.
        let all = try harness.list()
        #expect(all.count == 4)
        #expect(all.first?.keys.contains("word_count") == true)
        let newsmaxID = try #require(all.first { $0["source"] as? String == "Newsmax" }?["id"] as? Int)
        let stormID = try #require(all.first { ($0["title"] as? String)?.hasPrefix("Storm") == true }?["id"] as? Int)
        #expect(try harness.list(["--tag", "shipping"]).count == 2)
        #expect(try harness.list(["--tag", "shipping", "--tag", "weather"]).count == 1)
        #expect(try harness.list(["--any-tag", "weather", "--any-tag", "fentanyl"]).count == 2)
        #expect(try harness.list(["--not-tag", "shipping"]).count == 2)
        #expect(try harness.list(["--source", "harbour gazette"]).count == 2)
        #expect(try harness.list(["--since", "2024-03-06"]).compactMap { $0["title"] as? String }.contains(
            "Harbour reopens as container backlog clears"))
        #expect(try harness.list(["--since", "2024-03-01", "--until", "2024-03-06"]).map { $0["id"] as? Int } == [stormID])
        #expect(try harness.list(["--search", "container ships"]).count == 2)
        let byPublished = try harness.list(["--sort", "published"]).compactMap { $0["published"] as? String }
        #expect(byPublished == byPublished.sorted(by: >))
        #expect(try harness.list(["--limit", "1", "--offset", "1"]).count == 1)
        let custom = try harness.ctl(["list", "--format", "id,words,title", "--width", "80", "--tag", "weather"])
        #expect(custom.text.hasPrefix("ID  WORDS  TITLE"))

        // show: every field, tags with origins, provenance; --raw gives the original bytes.
        let show = try #require(try harness.ctlJSON(["show", String(newsmaxID)]) as? [String: Any])
        for key in ["id", "title", "source", "url", "published", "byline", "summary", "body", "word_count", "encoding",
                    "item_id", "file", "ingested_at", "tags", "provenance"] {
            #expect(show.keys.contains(key), "show --json lacks \(key)")
        }
        let provenance = try #require(show["provenance"] as? [[String: Any]])
        #expect(Set(provenance.compactMap { $0["file"] as? String }) == ["000_cec38e9690f741cb.txt", "copy.txt"])
        let tags = try #require(show["tags"] as? [[String: Any]])
        #expect(tags.contains { $0["slug"] as? String == "china" && $0["origin"] != nil })
        let raw = try harness.ctl(["show", String(newsmaxID), "--raw"])
        #expect(raw.status == 0)
        #expect(raw.stdout == (try DaemonHarness.seed("000_cec38e9690f741cb.txt")))

        // search: bm25 order, snippets with the hits, phrase and prefix queries, filters.
        let hits = try #require(try harness.ctlJSON(["search", "harbour"]) as? [[String: Any]])
        #expect(hits.count == 2)
        #expect((hits.first?["hits"] as? [String])?.allSatisfy { $0.lowercased() == "harbour" } == true)
        #expect((hits.first?["snippet"] as? String)?.localizedCaseInsensitiveContains("harbour") == true)
        let ranks = hits.compactMap { $0["rank"] as? Double }
        #expect(ranks == ranks.sorted())
        #expect((try harness.ctlJSON(["search", "\"working group\""]) as? [[String: Any]])?.count == 1)
        #expect((try harness.ctlJSON(["search", "fentan*"]) as? [[String: Any]])?.count == 2)
        #expect((try harness.ctlJSON(["search", "harbour", "--tag", "weather"]) as? [[String: Any]])?.count == 1)
        #expect((try harness.ctlJSON(["search", "harbour", "--until", "2024-03-06"]) as? [[String: Any]])?.count == 1)
        let coloured = try harness.ctl(["search", "pilots", "--color", "always", "--width", "80"])
        #expect(coloured.text.contains("\u{1B}[1;33mpilots\u{1B}[0m") || coloured.text.contains("\u{1B}[1;33mPilots\u{1B}[0m"))

        // sources: documents per publisher.
        let sources = try #require(try harness.ctlJSON(["sources"]) as? [[String: Any]])
        #expect(sources.first?["source"] as? String == "Harbour Gazette")
        #expect(sources.first?["documents"] as? Int == 2)
        #expect(sources.first?["first_published"] as? String == "2024-03-05")
        #expect(sources.reduce(0) { $0 + ($1["documents"] as? Int ?? 0) } == 4)

        // export: JSON lines and CSV, to stdout and to a file.
        let jsonl = try harness.ctl(["export", "--tag", "shipping"])
        #expect(jsonl.status == 0)
        let lines = jsonl.text.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["body"] is String && first["tags"] is [String])
        let csvPath = harness.root.appendingPathComponent("out.csv").path
        let csv = try harness.ctl(["export", "--format", "csv", "-o", csvPath, "--json"])
        #expect(csv.status == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: csv.stdout) as? [String: Any])
        #expect(summary["exported"] as? Int == 4)
        let csvText = try String(contentsOfFile: csvPath, encoding: .utf8)
        #expect(csvText.hasPrefix("id,title,source,published,byline,url,tags,file,ingested_at,word_count,summary,body\r\n"))
        #expect(csvText.contains("\"US, China Plan High-level Talks on Fentanyl Crisis\""))
        #expect(!FileManager.default.fileExists(atPath: harness.root.appendingPathComponent(".out.csv.partial").path))

        // metrics through the control socket.
        let metrics = try #require(try harness.ctlJSON(["metrics"]) as? [String: [[String: Any]]])
        func sample(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            metrics[name]?.first { ($0["labels"] as? [String: String] ?? [:]) == labels }?["value"] as? Double
        }
        #expect(sample("corpusd_outcomes_total", ["outcome": "stored"]) == 4)
        #expect(sample("corpusd_outcomes_total", ["outcome": "failed"]) == 1)
        #expect(sample("corpusd_duplicates_total", ["kind": "exact-bytes"]) == 1)
        #expect(sample("corpusd_files_queued_total") == 6)
        #expect(sample("corpusd_queue_items", ["state": "stored"]) == 4)
        #expect(sample("corpusd_documents") == 4)
        #expect((sample("corpusd_database_bytes") ?? 0) > 0)
        #expect((sample("corpusd_batch_size_count") ?? 0) >= 3)
        #expect((sample("corpusd_batch_duration_seconds_count") ?? 0) >= 3)
        #expect(sample("corpusd_ingest_latency_seconds_count") == 6)
        #expect((sample("corpusd_ingest_latency_seconds_sum") ?? 0) > 0)
        let metricsText = try harness.ctl(["metrics"])
        #expect(metricsText.text.contains("# TYPE corpusd_outcomes_total counter"))

        // Goldens of the human output at a fixed width (times, ages, the pid, rates and the temporary folder
        // masked). They show the two local articles only, whose tags are declared, so that changes to the
        // keyword tagger do not move them.
        try Golden.check("status-running", harness.ctl(["status", "--width", "80"]), harness)
        try Golden.check("list", harness.ctl(["list", "--width", "80", "--sort", "published", "--source", "Harbour Gazette"]),
                         harness)
        try Golden.check("show", harness.ctl(["show", String(stormID), "--width", "72"]), harness)
        try Golden.check("search", harness.ctl(["search", "harbour OR pilots", "--width", "72"]), harness)

        #expect(try harness.stop() == 0)

        // Stopped: status exits 3 and says so; control commands exit 3; reading still works.
        let stopped = try harness.ctl(["status", "--width", "80"])
        #expect(stopped.status == 3)
        try Golden.check("status-stopped", stopped, harness)
        let metricsStopped = try harness.ctl(["metrics"])
        #expect(metricsStopped.status == 3)
        #expect(metricsStopped.stderr.contains("not running"))
        #expect(try harness.list().count == 4)
    }

    @Test func errorsAPersonUnderstands() throws {
        let harness = try DaemonHarness()

        // No database yet: list fails plainly; status also says the daemon is not running (exit 3).
        let noDatabase = try harness.ctl(["list"])
        #expect(noDatabase.status == 1)
        #expect(noDatabase.stderr.contains("no database yet"))
        let noDatabaseStatus = try harness.ctl(["status"])
        #expect(noDatabaseStatus.status == 3)
        #expect(noDatabaseStatus.stderr.contains("not running"))

        try harness.start()
        try harness.drop("harbour-storm.txt", contents: Data(Self.harbour.utf8))
        try harness.waitForOutcomes(1)

        // Unknown tag: the closest known one is suggested.
        let typo = try harness.ctl(["list", "--tag", "shiping"])
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("unknown tag 'shiping'; did you mean 'shipping'?"))
        #expect(typo.stdout.isEmpty)

        // A malformed search is explained, never an SQL error.
        let malformed = try harness.ctl(["search", "\"unbalanced"])
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("cannot understand the search"))
        #expect(!malformed.stderr.contains("SQLite error"))
        let malformedList = try harness.ctl(["list", "--search", "AND OR"])
        #expect(malformedList.status == 1)
        #expect(malformedList.stderr.contains("cannot understand the search"))

        // Bad arguments are usage errors (64); a missing document is an error (1).
        #expect(try harness.ctl(["list", "--since", "last tuesday"]).status == 64)
        #expect(try harness.ctl(["list", "--format", "id,colour"]).status == 64)
        let missing = try harness.ctl(["show", "999"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no document 999"))

        // --version.
        let version = try harness.ctl(["--version"])
        #expect(version.status == 0)
        #expect(!version.text.isEmpty)

        #expect(try harness.stop() == 0)
    }

    /// On a terminal (a pseudo-terminal made by script(1)): colour unless NO_COLOR, a pager for output taller
    /// than the terminal unless --no-pager, a progress bar for export.
    @Test func onATerminal() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop("harbour-storm.txt", contents: Data(Self.harbour.utf8))
        try harness.drop("harbour-reopens.txt", contents: Data(Self.harbourFollowUp.utf8))
        try harness.waitForOutcomes(2)
        let paged = harness.root.appendingPathComponent("paged.txt").path
        func terminal(_ arguments: String, rows: Int = 40, environment: String = "") throws -> String {
            let ctl = DaemonHarness.binDirectory.appendingPathComponent("corpusctl").path
            let command = "stty rows \(rows) cols 80; \(environment) '\(ctl)' \(arguments) --state-dir '\(harness.stateDir.path)'"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", command, "/dev/null"]
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let bold = "\u{1B}[1m"

        let coloured = try terminal("list", environment: "NO_COLOR= PAGER=false")
        #expect(coloured.hasPrefix(bold + "ID  PUBLISHED"))
        #expect(try !terminal("list", environment: "NO_COLOR=1 PAGER=false").contains(bold))
        #expect(try !terminal("list --color never").contains(bold))

        // Three lines on a three-row terminal go through the pager; with --no-pager they do not.
        _ = try terminal("list", rows: 3, environment: "PAGER='cat > \(paged)'")
        let pagedText = try String(contentsOfFile: paged, encoding: .utf8)
        #expect(pagedText.contains("Storm closes the northern"))
        try FileManager.default.removeItem(atPath: paged)
        let direct = try terminal("list --no-pager", rows: 3, environment: "PAGER='cat > \(paged)'")
        #expect(direct.contains("Storm closes the northern"))
        #expect(!FileManager.default.fileExists(atPath: paged))

        let export = try terminal("export -o '\(harness.root.appendingPathComponent("all.jsonl").path)'")
        #expect(export.contains("] 2/2"))
        #expect(export.contains("exported 2 documents"))
        #expect(try harness.stop() == 0)
    }

    /// Completion scripts come from the command definitions; TAB after --tag or --source offers the corpus's own values.
    @Test func shellCompletions() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop("harbour-storm.txt", contents: Data(Self.harbour.utf8))
        try harness.waitForOutcomes(1)
        #expect(try harness.stop() == 0)
        for shell in ["bash", "zsh", "fish"] {
            let script = try harness.ctl(["--generate-completion-script", shell])
            #expect(script.status == 0)
            for word in ["queue", "search", "export", "--not-tag"] {
                #expect(script.text.contains(word), "\(shell) completion lacks \(word)")
            }
        }
        // The hidden entry point the scripts call: ---completion SUBCOMMAND -- OPTION WORD-INDEX CURSOR WORDS….
        func complete(_ arguments: [String]) throws -> [String] {
            let process = Process()
            process.executableURL = DaemonHarness.binDirectory.appendingPathComponent("corpusctl")
            process.arguments = arguments
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        let state = harness.stateDir.path
        let tags = try complete(["---completion", "list", "--", "--tag", "5", "2",
                                 "corpusctl", "list", "--state-dir", state, "--tag", "sh"])
        #expect(tags == ["shipping"])
        let sources = try complete(["---completion", "search", "--", "--source", "5", "1",
                                    "corpusctl", "search", "--state-dir", state, "--source", "H"])
        #expect(sources == ["Harbour Gazette"])
    }

    /// Someone outside the state folder's group is told which group to join. Needs root to set the scene.
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.fileExists(atPath: "/usr/bin/setpriv")))
    func permissionDeniedNamesTheGroupToJoin() throws {
        let harness = try DaemonHarness()
        try harness.start()
        #expect(try harness.stop() == 0)
        let state = harness.stateDir.path
        let group = getgrnam("adm").map { $0.pointee.gr_gid } ?? 0
        let name = String(cString: getgrgid(group).pointee.gr_name)
        #expect(chown(state, 0, group) == 0)
        #expect(chmod(state, 0o750) == 0)
        chmod(harness.root.path, 0o755)  // so that it is the state folder itself that refuses
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups",
                             DaemonHarness.binDirectory.appendingPathComponent("corpusctl").path, "list", "--state-dir", state]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(message.contains("permission denied reading \(state)"), "\(message)")
        #expect(message.contains("join the group '\(name)'"), "\(message)")
    }

    @Test func aDatabaseFromANewerCorpusdIsRefusedPlainly() throws {
        let harness = try DaemonHarness()
        try harness.start()
        #expect(try harness.stop() == 0)
        let path = harness.stateDir.appendingPathComponent("corpus.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('a migration from the future')")
        }
        try queue.close()
        let result = try harness.ctl(["list"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("written by a newer corpusd"))
    }

    @Test func theMetricsFileIsWrittenAtomicallyAndKeptCurrent() throws {
        let harness = try DaemonHarness()
        let path = harness.root.appendingPathComponent("corpusd.prom").path
        try harness.start(["--metrics-file", path, "--metrics-interval", "0.2"])
        try harness.drop("harbour-storm.txt", contents: Data(Self.harbour.utf8))
        try harness.waitForOutcomes(1)
        let deadline = Date().addingTimeInterval(30)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if text.contains("corpusd_outcomes_total{outcome=\"stored\"} 1") { break }
            usleep(50_000)
        }
        #expect(text.contains("corpusd_outcomes_total{outcome=\"stored\"} 1"), "metrics file: \(text)")
        #expect(text.contains("corpusd_queue_items{state=\"stored\"} 1"))
        #expect(try harness.stop() == 0)
        // No temporary file is left beside it.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.root.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }
}

/// Golden samples of corpusctl's human output in `Fixtures/ctl/NAME.txt`. After an intended change of the
/// output, rewrite them with `UPDATE_GOLDENS=1 swift test --skip-build --filter CorpusctlEndToEndTests` and
/// read the diff.
enum Golden {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/ctl")
    }

    static func check(_ name: String, _ result: DaemonHarness.CtlResult, _ harness: DaemonHarness,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let actual = mask(result.text, harness: harness)
        let url = directory.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "corpusctl output differs from \(url.lastPathComponent):\n\(actual)",
                sourceLocation: sourceLocation)
    }

    /// The temporary state folder, absolute times, ages, pids and rates are replaced by placeholders.
    static func mask(_ text: String, harness: DaemonHarness) -> String {
        var out = text.replacingOccurrences(of: harness.stateDir.path, with: "<state>")
        out = out.replacingOccurrences(of: #"pid \d+"#, with: "pid <pid>", options: .regularExpression)
        out = out.replacingOccurrences(of: #"\d+\.\d docs/s"#, with: "<rate> docs/s", options: .regularExpression)
        // A busy machine may run out of inotify watches; the daemon then polls, which is not what is tested here.
        out = out.replacingOccurrences(of: "inotify off (polling)", with: "inotify on")
        out = out.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, with: "<time>", options: .regularExpression)
        out = out.replacingOccurrences(of: #"\b\d+(s|m|h \d+m|d \d+h)\b"#, with: "<age>", options: .regularExpression)
        return out
    }
}
