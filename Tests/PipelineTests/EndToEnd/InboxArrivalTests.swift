#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

@testable import Pipeline

/// Files arriving in every way a user or a tool can put them in the inbox, against the real corpusd.
@Suite(.serialized)
struct InboxArrivalTests {
    /// 1 KB every 300 ms for 5 s, the file held open throughout; with inotify, or with the poll alone
    /// (where a 2 s pause with the file still open tests the open-for-writing check, not just the settle time).
    @Test(arguments: [false, true])
    func aSlowWriterIsIngestedOnceAndComplete(pollOnly: Bool) throws {
        let harness = try DaemonHarness()
        try harness.start(pollOnly ? ["--no-inotify", "--poll", "0.5"] : [])
        let fd = DaemonHarness.open(harness.inboxPath(Array("slow.txt".utf8)), O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(fd >= 0)
        let head = Articles.data(1)
        try DaemonHarness.writeAll(fd, head)
        var written = head.count
        for round in 0..<17 {
            if pollOnly && round == 8 {
                // Longer than the settle interval, file still open: only the open-for-writing check holds it back.
                let pauseEnd = Date().addingTimeInterval(2)
                while Date() < pauseEnd {
                    #expect(try harness.itemCounts().values.reduce(0, +) == 0, "queued while still open for writing")
                    usleep(200_000)
                }
            }
            let chunk = "Paragraph \(round) of the slow report carries on with more words than before. "
            let line = String(repeating: chunk, count: 1024 / chunk.utf8.count + 1).prefix(1023) + "\n"
            try DaemonHarness.writeAll(fd, Data(line.utf8))
            written += line.utf8.count
            #expect(try harness.itemCounts().values.reduce(0, +) == 0, "queued while still being written")
            usleep(300_000)
        }
        try DaemonHarness.writeAll(fd, Data("The end of the slow report.\n".utf8))
        written += 28
        close(fd)

        let counts = try harness.waitForOutcomes(1)
        #expect(counts == ["pending": 0, "processing": 0, "stored": 1, "duplicate": 0, "failed": 0, "retrying": 0])
        let items = try harness.corpus().items()
        #expect(items.count == 1)
        #expect(items.first?.size == Int64(written))
        let archived = try Data(contentsOf: harness.archive.appendingPathComponent("slow.txt"))
        #expect(archived.count == written)
        #expect(String(decoding: archived, as: UTF8.self).hasSuffix("The end of the slow report.\n"))
        #expect(try harness.stop() == 0)
    }

    /// In place, renamed in, moved from another file system, hard-linked in, dropped while stopped, and
    /// a burst of 400 on top: each exactly once.
    @Test func everyArrivalPathIngestsEachFileOnce() throws {
        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(at: harness.inbox, withIntermediateDirectories: true)
        try harness.drop("while-stopped.txt", contents: Articles.data(10))
        try harness.start(["--poll", "0.5"])

        try harness.drop("in-place.txt", contents: Articles.data(11))
        try harness.dropByRename("renamed-in.txt", contents: Articles.data(12))
        // mv from tmpfs: copy + unlink by the real tool, under the final name.
        let shm = URL(fileURLWithPath: "/dev/shm/corpusd-test-\(getpid())-\(UUID().uuidString.prefix(8)).txt")
        try Articles.data(13).write(to: shm)
        try DaemonHarness.run("/bin/mv", [shm.path, harness.inbox.appendingPathComponent("moved-across.txt").path])
        // A hard link makes no close-write event.
        let outside = harness.root.appendingPathComponent("linked-source.txt")
        try Articles.data(14).write(to: outside)
        #expect(link(outside.path, harness.inbox.appendingPathComponent("hard-linked.txt").path) == 0)
        try harness.waitForOutcomes(5)

        for index in 0..<400 {
            if index % 2 == 0 {
                try harness.drop("burst-\(index).txt", contents: Articles.data(100 + index))
            } else {
                try harness.dropByRename("burst-\(index).txt", contents: Articles.data(100 + index))
            }
        }
        let counts = try harness.waitForOutcomes(405, timeout: 180)
        #expect(counts["stored"] == 405)
        #expect(counts["duplicate"] == 0)
        #expect(counts["failed"] == 0)
        #expect(try harness.corpus().items().count == 405)
        let archived = Set(harness.files(in: harness.archive))
        #expect(archived.count == 405)
        for name in ["while-stopped.txt", "in-place.txt", "renamed-in.txt", "moved-across.txt", "hard-linked.txt"] {
            #expect(archived.contains(name), "\(name) not in archive/")
        }
        #expect(harness.files(in: harness.inbox).isEmpty)
        // The hard link's other name is untouched.
        #expect(FileManager.default.fileExists(atPath: outside.path))
        #expect(try harness.stop() == 0)
    }

    /// With inotify off, the poll alone finds everything: in place, renamed, linked, in a new sub-folder.
    @Test func pollingAloneIngestsEverything() throws {
        let harness = try DaemonHarness()
        try harness.start(["--no-inotify", "--poll", "0.5"])
        let live = try harness.status()["live"] as? [String: Any]
        #expect(live?["inotify"] as? Bool == false)
        try harness.drop("in-place.txt", contents: Articles.data(20))
        try harness.dropByRename("renamed.txt", contents: Articles.data(21))
        let outside = harness.root.appendingPathComponent("linked.txt")
        try Articles.data(22).write(to: outside)
        #expect(link(outside.path, harness.inbox.appendingPathComponent("linked.txt").path) == 0)
        let sub = harness.inbox.appendingPathComponent("sub/deeper")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        for index in 0..<100 { try Articles.data(200 + index).write(to: sub.appendingPathComponent("n\(index).txt")) }
        let counts = try harness.waitForOutcomes(103, timeout: 120)
        #expect(counts["stored"] == 103)
        #expect(counts["failed"] == 0)
        #expect(harness.files(in: harness.archive).filter { $0.hasPrefix("sub/deeper/") }.count == 100)
        #expect(try harness.stop() == 0)
    }

    /// The kernel's event queue overflows while the daemon is frozen; the poll is an hour away, so only the
    /// overflow's full rescan can find the files whose events were lost.
    @Test func anInotifyOverflowLeadsToAFullRescan() throws {
        let harness = try DaemonHarness()
        try harness.start(["--poll", "3600"])
        let limit = Int((try? String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 16384
        kill(harness.pid, SIGSTOP)
        try harness.waitUntil("the daemon to stop") {
            let stat = (try? String(contentsOfFile: "/proc/\(harness.pid)/stat", encoding: .utf8)) ?? ""
            return stat.split(separator: ")").last?.split(separator: " ").first == "T"
        }
        // Hidden names: the daemon ignores them, but the kernel queues their events. Two names in turn,
        // because the kernel merges an event identical to the one before it. Twice the queue's size,
        // because a thread caught mid-read takes one buffer's worth before it stops.
        for index in 0...(2 * limit) {
            let fd = DaemonHarness.open(harness.inboxPath(Array(".flood\(index % 2)".utf8)), O_WRONLY | O_CREAT, 0o644)
            close(fd)
        }
        for index in 0..<20 { try harness.drop("after-overflow-\(index).txt", contents: Articles.data(300 + index)) }
        kill(harness.pid, SIGCONT)
        let counts = try harness.waitForOutcomes(20, timeout: 90)
        #expect(counts["stored"] == 20)
        #expect(harness.log.contains("inotify queue overflowed"))
        #expect(try harness.stop() == 0)
    }

    /// Out of inotify watches (here: the daemon's own cap; the kernel's ENOSPC takes the same path), the
    /// folders beyond it are still ingested by the poll.
    @Test func pastTheWatchLimitThePollCarriesOn() throws {
        let harness = try DaemonHarness()
        try harness.start(["--max-watches", "1", "--poll", "0.5"])
        let sub = harness.inbox.appendingPathComponent("unwatched")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try harness.waitUntil("the watch limit to be reported") { harness.log.contains("inotify watch limit reached") }
        for index in 0..<10 { try Articles.data(400 + index).write(to: sub.appendingPathComponent("f\(index).txt")) }
        try harness.drop("watched.txt", contents: Articles.data(410))
        let counts = try harness.waitForOutcomes(11)
        #expect(counts["stored"] == 11)
        #expect(try harness.stop() == 0)
    }

    /// New sub-folders, created or moved in whole, are watched and scanned at once (the poll is an hour
    /// away); with --folder-tags, the folder names become tags.
    @Test func newSubfoldersAreWatchedAndScannedAtOnce() throws {
        let harness = try DaemonHarness()
        try harness.start(["--poll", "3600", "--folder-tags"])

        // Created, with a file written straight after: a race between the folder's watch and the file.
        let created = harness.inbox.appendingPathComponent("china")
        try FileManager.default.createDirectory(at: created, withIntermediateDirectories: false)
        try Articles.data(500).write(to: created.appendingPathComponent("first.txt"))

        // Built elsewhere on the same file system, with a nested folder, then moved in whole.
        let staging = harness.root.appendingPathComponent("staging/europe")
        try FileManager.default.createDirectory(at: staging.appendingPathComponent("germany"), withIntermediateDirectories: true)
        try Articles.data(501).write(to: staging.appendingPathComponent("a.txt"))
        try Articles.data(502).write(to: staging.appendingPathComponent("germany/b.txt"))
        #expect(rename(staging.path, harness.inbox.appendingPathComponent("europe").path) == 0)
        try harness.waitForOutcomes(3)

        // Both are watched now: a file written into each later arrives by inotify alone.
        try Articles.data(503).write(to: created.appendingPathComponent("second.txt"))
        try Articles.data(504).write(to: harness.inbox.appendingPathComponent("europe/germany/c.txt"))
        try harness.waitForOutcomes(5)
        // A folder renamed inside the inbox keeps being watched under its new name.
        #expect(rename(harness.inbox.appendingPathComponent("europe").path, harness.inbox.appendingPathComponent("eu").path) == 0)
        try Articles.data(505).write(to: harness.inbox.appendingPathComponent("eu/d.txt"))
        let counts = try harness.waitForOutcomes(6)
        #expect(counts["stored"] == 6)
        #expect(Set(harness.files(in: harness.archive)) == [
            "china/first.txt", "china/second.txt", "europe/a.txt", "europe/germany/b.txt", "europe/germany/c.txt", "eu/d.txt",
        ])
        #expect(try harness.list(["--tag", "china"]).count == 2)
        #expect(try harness.list(["--tag", "germany"]).count == 2)
        #expect(try harness.list(["--tag", "europe"]).count == 3)
        #expect(try harness.list(["--tag", "eu"]).count == 1)
        #expect(try harness.stop() == 0)
    }
}
