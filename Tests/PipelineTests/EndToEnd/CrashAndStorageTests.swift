#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import Testing

@testable import Pipeline

/// kill -9 at any moment, a full disk, a locked database, a long reader: nothing is lost, nothing is
/// done twice, and the daemon recovers by itself.
@Suite(.serialized)
struct CrashAndStorageTests {
    static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    /// `make test`: 2,000 files over 5 kill -9 cycles; `make soak`: CORPUSD_CRASH_FILES=10000, CORPUSD_CRASH_CYCLES=10.
    @Test func killNineCyclesLoseNothingAndDoNothingTwice() throws {
        let total = Self.setting("CORPUSD_CRASH_FILES", 2000)
        let cycles = Self.setting("CORPUSD_CRASH_CYCLES", 5)
        var (random, seed) = TestRandom.generator()
        print("crash test: \(total) files, \(cycles) kill -9 cycles, seed \(seed)")

        // Every 20th file is empty (fails), every 20th (offset 10) an exact copy of an earlier one (duplicate).
        enum Kind { case article(Int), empty, copy(of: Int) }
        let plan: [Kind] = (0..<total).map { index in
            if index % 20 == 19 { return .empty }
            if index % 20 == 10 && index > 20 { return .copy(of: index - 17) }
            return .article(index)
        }
        func contents(_ index: Int) -> Data {
            switch plan[index] {
            case .article(let n): return Articles.data(n)
            case .empty: return Data()
            case .copy(let original): return contents(original)
            }
        }
        let expectedFailed = plan.filter { if case .empty = $0 { return true } else { return false } }.count
        let expectedDuplicates = plan.filter { if case .copy = $0 { return true } else { return false } }.count
        let names = (0..<total).map { "f\($0).txt" }

        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(at: harness.inbox, withIntermediateDirectories: true)
        let chunk = (total + cycles - 1) / cycles
        var dropped = 0
        let started = Date()
        for cycle in 0..<cycles {
            try harness.start(["--poll", "0.5"])
            let end = min(total, dropped + chunk)
            let doneBefore = try Self.done(harness)
            if cycle % 2 == 1 {
                // Killed in the middle of the burst; the rest arrives while it is down.
                let middle = dropped + (end - dropped) / 2
                for index in dropped..<middle { try harness.dropByRename(names[index], contents: contents(index)) }
                harness.crash()
                for index in middle..<end { try harness.dropByRename(names[index], contents: contents(index)) }
            } else {
                for index in dropped..<end { try harness.dropByRename(names[index], contents: contents(index)) }
                // Killed once a random share of this burst is through: mid-batch, mid-move, wherever it is.
                let target = doneBefore + Int.random(in: 1...max(1, (end - dropped) * 3 / 4), using: &random)
                try harness.waitUntil("\(target) outcomes", timeout: 120) { try Self.done(harness) >= target }
                harness.crash()
            }
            dropped = end
        }
        try harness.start(["--poll", "0.5"])
        let counts = try harness.waitForOutcomes(total, timeout: 300)
        print("crash test: \(dropped) dropped, \(cycles) kill -9 cycles, outcomes \(counts), \(Int(Date().timeIntervalSince(started)))s")

        // stored + duplicate + failed = dropped, each exactly as planned: nothing lost, nothing twice.
        #expect(counts["stored"] == total - expectedFailed - expectedDuplicates)
        #expect(counts["duplicate"] == expectedDuplicates)
        #expect(counts["failed"] == expectedFailed)
        let corpus = try harness.corpus()
        let items = try corpus.items(limit: total * 2)
        #expect(items.count == total, "an item was created twice, or lost")
        #expect(Set(items.map(\.name)) == Set(names))
        for item in items where item.state == .failed { #expect(item.reason == "empty file", "\(item.name): \(item.reason ?? "")") }
        let status = try harness.status()
        #expect(status["documents"] as? Int == total - expectedFailed - expectedDuplicates)

        // Every original is in archive/ or failed/ exactly once, under its own name (a ".1" would be a second move).
        #expect(harness.rawEntries(in: harness.inbox).isEmpty)
        let archived = harness.files(in: harness.archive)
        let failed = harness.files(in: harness.failed)
        #expect(archived.count + failed.count == total)
        #expect(Set(archived + failed) == Set(names))
        #expect(failed.count == expectedFailed)

        let check = try harness.check()
        #expect(check["integrity"] as? String == "ok")
        #expect(check["ok"] as? Bool == true)
        #expect(try harness.stop() == 0)
    }

    /// JSON Lines dumps killed -9 in the middle of their streaming, one dump a cycle (another arriving while the
    /// daemon is down): every line ends in exactly one outcome, good lines stored once, bad lines failed with
    /// their reason, and each dump's original is archived once.
    @Test func killNineMidDumpRecordsEachLineOnce() throws {
        let dumps = 3
        let lines = Self.setting("CORPUSD_CRASH_DUMP_LINES", 1_500)
        var (random, seed) = TestRandom.generator()
        print("dump crash test: \(dumps) dumps of \(lines) lines, seed \(seed)")
        func isBroken(_ line: Int) -> Bool { line % 97 == 0 }
        func dump(_ number: Int) throws -> Data {
            var text = ""
            for line in 1...lines {
                if isBroken(line) {
                    text += "{\"title\": \"cut short\", \"content\": \n"
                } else {
                    let article = Articles.text(20_000 + number * lines + line)
                    let object = ["title": "Dump \(number) story \(line)", "content": article, "source": "Wire \(number)"]
                    text += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
                }
            }
            return Data(text.utf8)
        }
        let names = (0..<dumps).map { "dump\($0).jsonl" }
        let broken = (1...lines).filter(isBroken).count
        let entriesDone = { (harness: DaemonHarness) throws -> Int in try Self.done(harness) }

        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(at: harness.inbox, withIntermediateDirectories: true)
        for number in 0..<dumps {
            try harness.start(["--poll", "0.5"])
            let before = try entriesDone(harness)
            try harness.dropByRename(names[number], contents: try dump(number))
            // Killed once some of this dump's lines have outcomes and, most likely, others are still being read.
            let target = before + Int.random(in: 1...(lines * 3 / 4), using: &random)
            try harness.waitUntil("\(target) outcomes", timeout: 180) { try entriesDone(harness) >= target }
            harness.crash()
        }
        try harness.start(["--poll", "0.5"])
        let total = dumps * (lines + 1)
        let counts = try harness.waitForOutcomes(total, timeout: 300)
        print("dump crash test: outcomes \(counts)")

        // Each dump is a stored container with its lines as items of their own, each exactly once.
        #expect(counts["stored"] == dumps * (lines - broken + 1), "\(counts)")
        #expect(counts["failed"] == dumps * broken)
        #expect((counts["duplicate"] ?? 0) == 0)
        let items = try harness.corpus().items(limit: total * 2)
        #expect(items.count == total, "an item was created twice, or lost")
        let expected = Set(names + names.flatMap { name in (1...lines).map { "\(name)#\($0)" } })
        #expect(Set(items.map(\.name)) == expected)
        for item in items where item.state == .failed {
            #expect(item.reason?.contains("not valid JSON") == true, "\(item.name): \(item.reason ?? "")")
        }
        #expect(try harness.status()["documents"] as? Int == dumps * (lines - broken))
        #expect(harness.rawEntries(in: harness.inbox).isEmpty)
        #expect(Set(harness.files(in: harness.archive)) == Set(names))
        #expect(harness.files(in: harness.failed).isEmpty)
        let check = try harness.check()
        #expect(check["ok"] as? Bool == true, "\(check)")
        #expect(try harness.stop() == 0)
    }

    static func done(_ harness: DaemonHarness) throws -> Int {
        let counts = try harness.itemCounts()
        return (counts["stored"] ?? 0) + (counts["duplicate"] ?? 0) + (counts["failed"] ?? 0)
    }

    /// The database lives on a 64 MiB tmpfs mounted in a private mount namespace of the daemon (root only:
    /// CI runs as root). Filling it makes every write fail with SQLITE_FULL: items stay pending and are
    /// retried with back-off, status says why, nothing fails, and all is stored once space returns.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskKeepsItemsPendingUntilSpaceReturns() throws {
        let harness = try DaemonHarness()
        let dbDir = harness.stateDir.appendingPathComponent("db")
        try FileManager.default.createDirectory(at: dbDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: harness.inbox, withIntermediateDirectories: true)
        // Dropped before the start, so that all are queued by READY and the disk fills with most still pending.
        // `--settle 0`: the files are seconds old, and a start-up faster than the settle interval would
        // otherwise queue them only after the disk is full (then nothing is pending, only refused).
        let total = 600
        for index in 0..<total { try harness.dropByRename("f\(index).txt", contents: Articles.data(800 + index)) }
        try harness.start(
            ["--db", dbDir.appendingPathComponent("corpus.sqlite").path, "--poll", "0.5", "--batch-size", "1",
             "--settle", "0"],
            launcher: ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                       "mount -t tmpfs -o size=64m corpusd-test '\(dbDir.path)' && exec \"$0\" \"$@\""])
        // The tmpfs is visible only inside the daemon's namespace: corpusctl runs there, files are reached
        // through the daemon's root.
        let privateDir = "/proc/\(harness.pid)/root\(dbDir.path)"
        harness.ctlLauncher = ["/usr/bin/nsenter", "--target", "\(harness.pid)", "--mount", "--"]
        harness.ctlArguments = ["--db", dbDir.appendingPathComponent("corpus.sqlite").path]
        let filler = privateDir + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
        let block = [UInt8](repeating: 0x55, count: 64 * 1024)
        while write(fd, block, block.count) > 0 {}
        #expect(errno == ENOSPC)
        close(fd)

        try harness.waitUntil("storage errors to be retried") {
            let status = try harness.status()
            let live = status["live"] as? [String: Any]
            return (live?["last_error"] as? String)?.contains("database or disk is full") == true
                && harness.log.components(separatedBy: "database or disk is full").count > 3
        }
        var counts = try harness.itemCounts()
        print("disk full: \(counts); batches given back: \(harness.log.components(separatedBy: "could not record a batch").count - 1), "
            + "claims refused: \(harness.log.components(separatedBy: "could not claim").count - 1)")
        #expect(counts["failed"] == 0, "a storage error was blamed on a file")
        #expect((counts["pending"] ?? 0) > 0)
        #expect((counts["stored"] ?? 0) < total)
        // What must hold is that every file not stored is still in the inbox. The inbox may hold more: an outcome
        // is recorded before its original is moved, and where the original goes is written to the database
        // first, so a file stored just before the disk filled stays in the inbox until space returns (then it is
        // moved, checked below).
        let stored = try harness.itemCounts()["stored"] ?? 0
        #expect(harness.files(in: harness.inbox).count >= total - stored)

        #expect(unlink(filler) == 0)
        counts = try harness.waitForOutcomes(total, timeout: 180)
        #expect(counts["stored"] == total)
        #expect(counts["failed"] == 0)
        #expect(counts["retrying"] == 0)
        #expect(harness.files(in: harness.archive).count == total)
        #expect(try harness.check()["integrity"] as? String == "ok")
        #expect(try harness.stop() == 0)
    }

    /// Another process takes the write lock between a batch's claim and its record, and holds it longer
    /// than the busy timeout (5 s): the batch cannot be recorded and is given back, status reports it,
    /// nothing fails, and all is stored once the lock is let go.
    @Test func aLockedDatabaseKeepsItemsPendingUntilItIsFree() throws {
        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(at: harness.inbox, withIntermediateDirectories: true)
        var total = 600
        for index in 0..<total { try harness.dropByRename("f\(index).txt", contents: Articles.data(1200 + index)) }
        try harness.start(["--poll", "0.5"])
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let locker = try DatabaseQueue(path: harness.stateDir.appendingPathComponent("corpus.sqlite").path, configuration: configuration)
        // Frozen, the daemon cannot move on while we look: lock only with a batch claimed and not yet recorded.
        try harness.waitUntil("a batch caught between its claim and its record", timeout: 120) {
            kill(harness.pid, SIGSTOP)
            defer { kill(harness.pid, SIGCONT) }
            let (processing, open) = try locker.read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE state = 'processing'") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item WHERE state IN ('pending', 'processing')") ?? 0)
            }
            // On a loaded machine every look may land while the daemon holds the lock itself, until all is
            // done: then give it more to do, and look again.
            if open == 0 && harness.files(in: harness.inbox).isEmpty {
                for index in total..<(total + 200) { try harness.dropByRename("f\(index).txt", contents: Articles.data(1200 + index)) }
                total += 200
            }
            guard processing > 0 else { return false }
            do {
                try locker.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
                return true
            } catch {
                return false  // the daemon holds the lock itself, mid-transaction
            }
        }
        try harness.waitUntil("the batch to be given back", timeout: 60) {
            let live = try harness.status()["live"] as? [String: Any]
            return (live?["last_error"] as? String)?.contains("database is locked") == true
                && harness.log.contains("could not record a batch; will retry")
        }
        let counts = try harness.itemCounts()
        #expect(counts["failed"] == 0, "a storage error was blamed on a file")
        #expect((counts["pending"] ?? 0) + (counts["processing"] ?? 0) > 0)
        try locker.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }

        let final = try harness.waitForOutcomes(total, timeout: 120)
        #expect(final["stored"] == total)
        #expect(final["failed"] == 0)
        #expect(final["retrying"] == 0)
        let items = try harness.corpus().items()
        #expect(items.count == total)
        #expect(items.allSatisfy { $0.state == .stored })
        #expect(harness.files(in: harness.archive).count == total)
        #expect(try harness.stop() == 0)
    }

    /// A reader inside a long transaction (WAL) never holds up ingestion.
    @Test func aLongReadTransactionDoesNotBlockIngestion() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop("before.txt", contents: Articles.data(1400))
        try harness.waitForOutcomes(1)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.allowsUnsafeTransactions = true
        let reader = try DatabaseQueue(path: harness.stateDir.appendingPathComponent("corpus.sqlite").path, configuration: configuration)
        try reader.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") == 1)
        }
        for index in 0..<50 { try harness.drop("during-\(index).txt", contents: Articles.data(1401 + index)) }
        let counts = try harness.waitForOutcomes(51)
        #expect(counts["stored"] == 51)
        try reader.writeWithoutTransaction { db in
            // Still the snapshot from before: the transaction really stayed open throughout.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM document") == 1)
            try db.execute(sql: "COMMIT")
        }
        #expect(try harness.stop() == 0)
    }

    /// `corpusctl retry ID` on the running daemon: the original moves back from failed/ and is ingested.
    @Test func retryByIdMovesTheOriginalBack() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop("note.txt", contents: Data())
        try harness.waitForOutcomes(1)
        let failed = try #require(try harness.corpus().items(state: .failed).first)
        #expect(failed.reason == "empty file")
        #expect(harness.files(in: harness.failed) == ["note.txt"])

        // The user fixes the file where it lies, then asks for a retry; a second id is not a failed item.
        try Articles.data(1500).write(to: harness.failed.appendingPathComponent("note.txt"))
        let reply = try harness.ctlJSON(["retry", String(failed.id), "999"]) as? [String: Any]
        #expect(reply?["retried"] as? [Int] == [Int(failed.id)])
        #expect((reply?["problems"] as? [String])?.count == 1)
        let counts = try harness.waitForOutcomes(1)
        #expect(counts["stored"] == 1)
        #expect(counts["failed"] == 0)
        let items = try harness.corpus().items()
        #expect(items.count == 1)
        #expect(items.first?.id == failed.id)
        #expect(harness.files(in: harness.failed).isEmpty)
        #expect(harness.files(in: harness.archive) == ["note.txt"])
        #expect(try harness.stop() == 0)
    }
}
