#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

@testable import Pipeline

/// Articles that the pipeline stores, each with a body no other number shares.
enum Articles {
    static func text(_ number: Int, marker: String = "") -> String {
        let words = ["harbour", "ministry", "council", "budget", "river", "station", "market", "treaty", "school", "bridge"]
        let a = words[number % 10], b = words[(number / 10) % 10], c = words[(number / 100) % 10]
        return """
            Report \(number): the \(a) and the \(b) under review

            The regional \(a) office said on Monday that report number \(number) covers the \(b) and the \(c), \
            and that officials expect a full account of the work before the end of the season.

            Residents told reporters that the \(c) had been discussed for years, and that case \(number) was the \
            first to reach a public hearing this year. \(marker)

            """
    }

    static func data(_ number: Int, marker: String = "") -> Data { Data(text(number, marker: marker).utf8) }
}

extension DaemonHarness {
    /// Polls `condition` until it holds or `timeout` passes.
    func waitUntil(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        throw HarnessError("timed out after \(timeout)s waiting for \(what); log tail:\n\(logTail)")
    }

    /// Items in every state, through `corpusctl status --json`.
    func corpusTotal() throws -> Int {
        let counts = try itemCounts()
        return ItemState.allCases.reduce(0) { $0 + (counts[$1.rawValue] ?? 0) }
    }

    /// The end of the daemon's log, without the control requests the waiting itself makes.
    var logTail: String {
        log.split(separator: "\n").filter { !$0.contains("control request") }.suffix(30).joined(separator: "\n")
    }

    /// The database, opened read-only in this process, for item-level checks `corpusctl` does not print.
    func corpus(path: String? = nil) throws -> CorpusDatabase {
        try CorpusDatabase.openReadOnly(path: path ?? stateDir.appendingPathComponent("corpus.sqlite").path)
    }

    /// A path in the inbox from raw bytes (names need not be UTF-8).
    func inboxPath(_ name: [UInt8]) -> [UInt8] { Array(inbox.path.utf8) + [UInt8(ascii: "/")] + name }

    /// Writes `contents` at a raw-bytes path relative to the inbox, in place.
    func drop(bytes name: [UInt8], contents: Data) throws {
        let fd = Self.open(inboxPath(name), O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw HarnessError("create \(name): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try Self.writeAll(fd, contents)
    }

    static func open(_ path: [UInt8], _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
        (path + [0]).withUnsafeBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { Glibc.open($0.baseAddress!, flags, mode) }
        }
    }

    static func writeAll(_ fd: Int32, _ contents: Data) throws {
        try contents.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                guard n > 0 else { throw HarnessError("write: \(String(cString: strerror(errno)))") }
                written += n
            }
        }
    }

    /// Every non-folder entry below `folder`, as raw relative paths (readdir, no decoding).
    func rawEntries(in folder: URL) -> [[UInt8]] {
        var found: [[UInt8]] = []
        var pending: [[UInt8]] = [[]]
        while let relative = pending.popLast() {
            let full = Array(folder.path.utf8) + (relative.isEmpty ? [] : [UInt8(ascii: "/")] + relative) + [0]
            guard let dir = full.withUnsafeBufferPointer({ $0.withMemoryRebound(to: CChar.self) { opendir($0.baseAddress!) } })
            else { continue }
            while let entry = readdir(dir) {
                let name: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
                if name == [46] || name == [46, 46] { continue }
                let path = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
                if entry.pointee.d_type == UInt8(DT_DIR) { pending.append(path) } else { found.append(path) }
            }
            closedir(dir)
        }
        return found.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// `corpusctl check --json`, which must exit 0.
    func check(_ extra: [String] = []) throws -> [String: Any] {
        let result = try ctl(["check", "--json"] + extra)
        guard let report = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] else {
            throw HarnessError("check printed no object: \(result.stderr)")
        }
        #expect(result.status == 0, "corpusctl check: \(result.text) \(result.stderr)")
        return report
    }

    /// The daemon's peak resident memory (VmHWM), in KiB.
    func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        }
        return nil
    }

    /// Runs a tool to completion; throws unless it exits 0.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("\(tool) \(arguments): \(text)") }
        return text
    }

    /// The reason recorded for each failed item, by display name.
    func failedReasons() throws -> [String: String] {
        var reasons: [String: String] = [:]
        for item in try corpus().items(state: .failed) { reasons[item.name] = item.reason ?? "" }
        return reasons
    }
}
