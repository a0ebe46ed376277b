#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

@testable import Pipeline

/// Every kind of bad input gets a failed item with a clear reason, its original in failed/, and the
/// daemon keeps going — proven by a good file dropped after all of them being stored.
@Suite(.serialized)
struct HostileInputTests {
    /// As root (CI), the daemon is started without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so that file
    /// modes bind it as they bind any unprivileged daemon and a mode-000 file is honestly unreadable.
    /// As another user, a mode-000 file owned by that user is unreadable as it is.
    static var withoutFileAccessOverride: [String] {
        getuid() == 0 ? ["/usr/bin/setpriv", "--bounding-set", "-dac_override,-dac_read_search"] : []
    }

    @Test func eachHostileInputFailsWithItsReasonAndTheDaemonCarriesOn() throws {
        let harness = try DaemonHarness()
        try harness.start(["--max-file-size", "65536"], launcher: Self.withoutFileAccessOverride)

        // A secret outside the inbox, watched for any open: the symlink to it must never be followed.
        let secret = harness.root.appendingPathComponent("secret")
        try Data("the secret\n".utf8).write(to: secret)
        let watcher = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        #expect(inotify_add_watch(watcher, secret.path, UInt32(IN_OPEN | IN_ACCESS)) >= 0)
        defer { close(watcher) }

        try harness.drop("empty.txt", contents: Data())
        try harness.drop("binary.bin", contents: Data(Array("Header text".utf8) + [0x00, 0x01, 0x02, 0xFF] + Array(repeating: 0, count: 64)))
        try harness.drop("controls.txt", contents: Data([0x01, 0x02, 0x41, 0x03, 0x04, 0x05, 0x42, 0x0A]))
        try harness.drop("program", contents: Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + Array(repeating: 0, count: 64)))
        // 8 GiB, sparse: read into memory it would exhaust the test machine.
        let huge = harness.root.appendingPathComponent("huge.txt")
        #expect(FileManager.default.createFile(atPath: huge.path, contents: nil))
        #expect(truncate(huge.path, 8 << 30) == 0)
        #expect(rename(huge.path, harness.inbox.appendingPathComponent("huge.txt").path) == 0)
        // Windows-1252 bytes: not UTF-8, decoded with the fallback and stored.
        let around = Articles.text(600, marker: "@").split(separator: "@", omittingEmptySubsequences: false)
        let latin = Data(Array(around[0].utf8) + Array("The caf".utf8) + [0xE9] + Array(" said it was ".utf8) + [0x93]
            + Array("quoted".utf8) + [0x94] + Array(".".utf8) + Array(around[1].utf8))
        try harness.drop("latin1.txt", contents: latin)
        let unreadable = harness.inbox.appendingPathComponent("unreadable.txt")
        try Articles.data(601).write(to: harness.root.appendingPathComponent("unreadable.txt"))
        #expect(chmod(harness.root.appendingPathComponent("unreadable.txt").path, 0) == 0)
        #expect(rename(harness.root.appendingPathComponent("unreadable.txt").path, unreadable.path) == 0)
        // A FIFO nobody writes to: opening it for reading without O_NONBLOCK would hang the daemon.
        #expect(mkfifo(harness.inbox.appendingPathComponent("pipe.fifo").path, 0o644) == 0)
        #expect(symlink(secret.path, harness.inbox.appendingPathComponent("shadow-link.txt").path) == 0)
        // A device node (root only; as another user the kernel refuses mknod and the case is skipped).
        let madeDevice = mknod(harness.inbox.appendingPathComponent("null-device").path, S_IFCHR | 0o644, dev_t(1 << 8 | 3)) == 0  // 1:3, as /dev/null
        #expect(madeDevice || getuid() != 0)

        try harness.waitForOutcomes(madeDevice ? 10 : 9, timeout: 90)
        try harness.drop("after.txt", contents: Articles.data(602))
        let counts = try harness.waitForOutcomes(madeDevice ? 11 : 10)
        #expect(counts["stored"] == 2)
        #expect(counts["failed"] == (madeDevice ? 9 : 8))

        let reasons = try harness.failedReasons()
        #expect(reasons["empty.txt"] == "empty file")
        #expect(reasons["binary.bin"] == "unsupported format: not text (NUL byte at offset 11)")
        #expect(reasons["program"] == "unsupported format: ELF executable")
        #expect(reasons["controls.txt"] == "unsupported format: not text (5 control characters against 2 visible ones)")
        #expect(reasons["huge.txt"] == "too large: 8589934592 bytes, the limit is 65536")
        #expect(reasons["unreadable.txt"] == "unreadable: permission denied")
        #expect(reasons["pipe.fifo"] == "not a regular file: FIFO (refused, never opened)")
        #expect(reasons["shadow-link.txt"] == "not a regular file: symbolic link (refused, never opened)")
        if madeDevice { #expect(reasons["null-device"] == "not a regular file: character device (refused, never opened)") }

        var expectedFailed: Set = ["empty.txt", "binary.bin", "program", "controls.txt", "huge.txt", "unreadable.txt", "pipe.fifo", "shadow-link.txt"]
        if madeDevice { expectedFailed.insert("null-device") }
        #expect(Set(harness.rawEntries(in: harness.failed).map { String(decoding: $0, as: UTF8.self) }) == expectedFailed)
        #expect(Set(harness.files(in: harness.archive)) == ["latin1.txt", "after.txt"])
        #expect(harness.rawEntries(in: harness.inbox).isEmpty)

        // The link itself went to failed/, still a link; its target was never opened by anyone.
        var st = stat()
        #expect(lstat(harness.failed.appendingPathComponent("shadow-link.txt").path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK)
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(read(watcher, &buffer, buffer.count) < 0 && errno == EAGAIN, "someone opened the symlink's target")
        #expect(try String(contentsOf: secret, encoding: .utf8) == "the secret\n")
        // The sparse file was moved, not copied: still 8 GiB of nothing.
        #expect(lstat(harness.failed.appendingPathComponent("huge.txt").path, &st) == 0 && st.st_size == 8 << 30 && st.st_blocks == 0)

        // The Windows-1252 file was decoded, not failed.
        let document = try #require(try harness.corpus().documents(matching: DocumentQuery()).first { $0.file == "latin1.txt" })
        let body = try harness.corpus().writer.read { db in try String.fetchOne(db, sql: "SELECT body FROM document WHERE id = ?", arguments: [document.id]) }
        #expect(body?.contains("The café said it was “quoted”.") == true)
        #expect(try harness.stop() == 0)
    }

    /// Names the file system allows but tools stumble on: 255 bytes, spaces, newlines, bytes that are not
    /// UTF-8; and names already taken in archive/ and failed/, which get a suffix instead of an overwrite.
    @Test func awkwardNamesAndCollisionsAreKeptIntact() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let long = Array(String(repeating: "n", count: 251).utf8) + Array(".txt".utf8)
        let names: [[UInt8]] = [
            long,
            Array("with spaces in it.txt".utf8),
            Array("new\nline.txt".utf8),
            Array("latin".utf8) + [0xE9, 0xFF] + Array(".txt".utf8),
        ]
        for (index, name) in names.enumerated() { try harness.drop(bytes: name, contents: Articles.data(700 + index)) }
        try harness.waitForOutcomes(4)
        #expect(harness.rawEntries(in: harness.archive) == names.sorted { $0.lexicographicallyPrecedes($1) })

        // The same names again, with other articles: archived beside the first ones, with suffixes.
        for (index, name) in names.enumerated() { try harness.drop(bytes: name, contents: Articles.data(710 + index)) }
        // The same failing name three times, one after the other.
        for round in 0..<3 {
            try harness.drop("empty.txt", contents: Data())
            try harness.waitForOutcomes(8 + round + 1)
        }
        let counts = try harness.waitForOutcomes(11)
        #expect(counts["stored"] == 8)
        #expect(counts["failed"] == 3)
        let suffixedLong = Array(long.prefix(253)) + Array(".1".utf8)
        let expectedArchive = (names + names.dropFirst().map { $0 + Array(".1".utf8) } + [suffixedLong])
            .sorted { $0.lexicographicallyPrecedes($1) }
        #expect(harness.rawEntries(in: harness.archive) == expectedArchive)
        #expect(harness.files(in: harness.failed) == ["empty.txt", "empty.txt.1", "empty.txt.2"])
        // Nothing was overwritten: all eight articles are intact in archive/.
        var bodies = Set<Data>()
        for entry in harness.rawEntries(in: harness.archive) {
            let fd = DaemonHarness.open(Array(harness.archive.path.utf8) + [UInt8(ascii: "/")] + entry, O_RDONLY)
            let data = FileHandle(fileDescriptor: fd, closeOnDealloc: true).readDataToEndOfFile()
            bodies.insert(data)
        }
        #expect(bodies == Set((0..<4).flatMap { [Articles.data(700 + $0), Articles.data(710 + $0)] }))
        #expect(try harness.stop() == 0)
    }
}
