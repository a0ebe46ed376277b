#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

@testable import Pipeline

/// Runs the real built `corpusd` on a temporary state folder, the way a user would, and reads results
/// back through the real `corpusctl --json`. Readiness is `READY=1` on a notify socket the harness owns.
final class DaemonHarness {
    let root: URL
    let stateDir: URL
    var inbox: URL { stateDir.appendingPathComponent("inbox") }
    var archive: URL { stateDir.appendingPathComponent("archive") }
    var failed: URL { stateDir.appendingPathComponent("failed") }
    let notifySocket: NotifySocket
    private(set) var process: Process?
    private var logHandle: FileHandle?
    let logURL: URL
    /// Added to every corpusctl call (e.g. a `--db` the daemon was given).
    var ctlArguments: [String] = []
    /// Runs before corpusctl and execs it (e.g. nsenter into the daemon's mount namespace).
    var ctlLauncher: [String] = []

    init(name: String = #function) throws {
        root = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("corpusd-test-\(getpid())-\(UUID().uuidString.prefix(8))")
        stateDir = root.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
        notifySocket = try NotifySocket(path: root.appendingPathComponent("notify.sock").path)
        logURL = root.appendingPathComponent("corpusd.log")
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: root)
    }

    static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["CORPUSD_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        // The test bundle lives beside the products it was built with (.build/debug).
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("corpusd").path) { return candidate }
            candidate = candidate.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug")
    }

    /// Starts corpusd and waits for READY=1 (after migrations and the start-up scan).
    /// `launcher` runs before it and must exec it in the same process (setpriv, unshare, sh -c '… exec "$0" "$@"').
    /// `environment` is added to the test's own (e.g. `CORPUSD_FAULT` to arm a crash point).
    func start(_ extraArguments: [String] = [], launcher: [String] = [], environment extra: [String: String] = [:],
               timeout: Double = 30) throws {
        let process = Process()
        let corpusd = Self.binDirectory.appendingPathComponent("corpusd")
        // stderr even when the tests run under systemd, so that `log` sees every line.
        let arguments = ["--state-dir", stateDir.path, "--log-level", "debug", "--log-target", "stderr"] + extraArguments
        if let tool = launcher.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = Array(launcher.dropFirst()) + [corpusd.path] + arguments
        } else {
            process.executableURL = corpusd
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notifySocket.path
        environment.removeValue(forKey: "STATE_DIRECTORY")
        environment.removeValue(forKey: "RUNTIME_DIRECTORY")
        environment.merge(extra) { _, new in new }
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: logURL)
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        let seen = notifySocket.messages.count
        try process.run()
        self.process = process
        self.logHandle = handle
        guard notifySocket.waitFor("READY=1", after: seen, timeout: timeout) else {
            throw HarnessError("corpusd did not send READY=1 within \(timeout)s; log:\n\(log)")
        }
    }

    var pid: Int32 { process?.processIdentifier ?? 0 }

    /// Sends SIGTERM and returns the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Double = 30) throws -> Int32 {
        guard let process else { throw HarnessError("not started") }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            throw HarnessError("corpusd did not exit within \(timeout)s after signal \(signal)")
        }
        self.process = nil
        try? logHandle?.close()
        return process.terminationStatus
    }

    /// kill -9, and wait for the process to be gone.
    func crash() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
        try? logHandle?.close()
    }

    /// Waits for the daemon to end by itself (an armed crash point); returns the signal that ended it, or 0.
    func waitForExit(timeout: Double = 60) throws -> Int32 {
        guard let process else { throw HarnessError("not started") }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { throw HarnessError("corpusd still runs after \(timeout)s; log tail:\n\(log.suffix(3000))") }
        self.process = nil
        try? logHandle?.close()
        return process.terminationReason == .uncaughtSignal ? process.terminationStatus : 0
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    // MARK: corpusctl

    struct CtlResult {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    func ctl(_ arguments: [String]) throws -> CtlResult {
        let process = Process()
        let corpusctl = Self.binDirectory.appendingPathComponent("corpusctl")
        process.executableURL = ctlLauncher.first.map(URL.init(fileURLWithPath:)) ?? corpusctl
        process.arguments = (ctlLauncher.isEmpty ? [] : Array(ctlLauncher.dropFirst()) + [corpusctl.path])
            + arguments + ctlArguments + ["--state-dir", stateDir.path]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "STATE_DIRECTORY")
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CtlResult(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs one of the built binaries to completion (not as the harness's daemon), with the test environment.
    func run(_ binary: String, _ arguments: [String], timeout: Double = 60) throws -> CtlResult {
        let process = Process()
        process.executableURL = Self.binDirectory.appendingPathComponent(binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "STATE_DIRECTORY")
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        process.environment = environment
        // Files, not pipes: a process that wrongly keeps running must not block the test on a read.
        let outURL = root.appendingPathComponent("run-\(UUID().uuidString).out")
        let errURL = root.appendingPathComponent("run-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            throw HarnessError("\(binary) \(arguments) did not exit within \(timeout)s")
        }
        process.waitUntilExit()
        return CtlResult(status: process.terminationStatus, stdout: try Data(contentsOf: outURL),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    func ctlJSON(_ arguments: [String]) throws -> Any {
        let result = try ctl(arguments + ["--json"])
        guard !result.stdout.isEmpty else { throw HarnessError("corpusctl \(arguments) printed nothing: \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: result.stdout)
    }

    func status() throws -> [String: Any] {
        guard let status = try ctlJSON(["status"]) as? [String: Any] else { throw HarnessError("status is not an object") }
        return status
    }

    func itemCounts() throws -> [String: Int] {
        (try status()["items"] as? [String: Int]) ?? [:]
    }

    /// Waits until `total` items have reached an outcome and none is pending or processing.
    @discardableResult
    func waitForOutcomes(_ total: Int, timeout: Double = 60) throws -> [String: Int] {
        let deadline = Date().addingTimeInterval(timeout)
        var counts: [String: Int] = [:]
        while Date() < deadline {
            counts = try itemCounts()
            let done = (counts["stored"] ?? 0) + (counts["duplicate"] ?? 0) + (counts["failed"] ?? 0)
            if done >= total && (counts["pending"] ?? 0) == 0 && (counts["processing"] ?? 0) == 0 { return counts }
            usleep(50_000)
        }
        throw HarnessError("timed out waiting for \(total) outcomes; last counts \(counts); log tail:\n\(log.suffix(3000))")
    }

    func list(_ arguments: [String] = []) throws -> [[String: Any]] {
        (try ctlJSON(["list"] + arguments) as? [[String: Any]]) ?? []
    }

    // MARK: files

    func drop(_ name: String, contents: Data) throws {
        try contents.write(to: inbox.appendingPathComponent(name))
    }

    /// Writes under a temporary name, then renames into place, as careful tools do.
    func dropByRename(_ name: String, contents: Data) throws {
        let temporary = inbox.appendingPathComponent(".\(name).tmp")
        try contents.write(to: temporary)
        guard rename(temporary.path, inbox.appendingPathComponent(name).path) == 0 else {
            throw HarnessError("rename failed: \(String(cString: strerror(errno)))")
        }
    }

    func files(in folder: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        var names: [String] = []
        while let next = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder.appendingPathComponent(next).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { names.append(next) }
        }
        return names.sorted()
    }

    static var seedsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("seeds")
    }

    static func seed(_ name: String) throws -> Data {
        try Data(contentsOf: seedsDirectory.appendingPathComponent(name))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifySocket {
    let path: String
    private let fd: Int32
    private var received: [String] = []

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw HarnessError("socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw HarnessError("bind: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Every message received so far.
    var messages: [String] {
        drain(timeoutMs: 0)
        return received
    }

    /// Waits until a message containing `line` (as a whole line) arrives, ignoring the first `after` messages.
    func waitFor(_ line: String, after: Int = 0, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var checked = after
        while true {
            for message in received[min(checked, received.count)...] where message.split(separator: "\n").contains(Substring(line)) {
                return true
            }
            checked = received.count
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return false }
            drain(timeoutMs: Int32(min(remaining, 0.2) * 1000))
        }
    }

    private func drain(timeoutMs: Int32) {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var wait = timeoutMs
        while poll(&descriptor, 1, wait) > 0 {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received.append(String(decoding: buffer[..<n], as: UTF8.self))
            wait = 0
        }
    }
}
