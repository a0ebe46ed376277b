#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Reload as systemd drives it (SIGHUP, then RELOADING=1 … READY=1 on the notify socket) and as
/// corpusctl does (the control socket), against the real binaries and a real config file.
@Suite(.serialized)
struct ServiceManagerEndToEndTests {
    @Test func sighupAndCorpusctlReloadReReadTheConfigFile() throws {
        let harness = try DaemonHarness()
        let config = harness.root.appendingPathComponent("corpusd.yaml")
        try "poll: 1\n".write(to: config, atomically: true, encoding: .utf8)
        try harness.start(["--config", config.path])

        // Not yet reloaded: a file in a sub-folder gets no folder tag.
        try FileManager.default.createDirectory(at: harness.inbox.appendingPathComponent("before"), withIntermediateDirectories: true)
        try harness.drop("before/a.txt", contents: try DaemonHarness.seed("000_cec38e9690f741cb.txt"))
        _ = try harness.waitForOutcomes(1)
        let tagsBefore = try harness.list().flatMap { $0["tags"] as? [String] ?? [] }
        #expect(!tagsBefore.isEmpty && !tagsBefore.contains("before"))

        // SIGHUP: RELOADING=1 with the monotonic time, then READY=1 again; the new settings apply at once.
        try "poll: 1\nfolder_tags: true\nbatch_size: 8\n".write(to: config, atomically: true, encoding: .utf8)
        let seen = harness.notifySocket.messages.count
        kill(harness.pid, SIGHUP)
        #expect(harness.notifySocket.waitFor("RELOADING=1", after: seen, timeout: 30))
        #expect(harness.notifySocket.waitFor("READY=1", after: seen, timeout: 30))
        let reloading = harness.notifySocket.messages[seen...].first { $0.contains("RELOADING=1") } ?? ""
        #expect(reloading.split(separator: "\n").contains { $0.hasPrefix("MONOTONIC_USEC=") && UInt64($0.dropFirst(15)) != nil })
        #expect(harness.log.contains("folder_tags false → true"))
        #expect(harness.log.contains("batch_size 64 → 8"))

        try FileManager.default.createDirectory(at: harness.inbox.appendingPathComponent("after"), withIntermediateDirectories: true)
        try harness.drop("after/b.txt", contents: try DaemonHarness.seed("002_c94ece29d17d2aab.txt"))
        _ = try harness.waitForOutcomes(2)
        #expect(try harness.list(["--tag", "after"]).count == 1)

        // corpusctl reload takes the same path; a broken file is reported and the daemon keeps going.
        try "poll: 1\nfolder_tags: true\nbatchsize: 8\n".write(to: config, atomically: true, encoding: .utf8)
        let broken = try harness.ctl(["reload", "--json"])
        #expect(broken.status == 1)
        let report = try JSONSerialization.jsonObject(with: broken.stdout) as? [String: Any]
        let entries = report?["entries"] as? [[String: Any]] ?? []
        let configEntry = entries.first { $0["name"] as? String == "config" }
        let outcome = configEntry?["outcome"] as? [String: Any]
        #expect(outcome?["status"] as? String == "failed")
        #expect((outcome?["reason"] as? String)?.contains("unknown setting 'batchsize'") == true)

        try "poll: 1\nfolder_tags: true\nbatch_size: 8\n".write(to: config, atomically: true, encoding: .utf8)
        let fixed = try harness.ctl(["reload"])
        #expect(fixed.status == 0)
        #expect(fixed.text.contains("config: reloaded (no change)"))

        #expect(try harness.stop() == 0)
    }

    @Test func aBadConfigFileStopsTheStartWithItsReason() throws {
        let harness = try DaemonHarness()
        let config = harness.root.appendingPathComponent("corpusd.yaml")
        try "poll: never\n".write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = DaemonHarness.binDirectory.appendingPathComponent("corpusd")
        process.arguments = ["--config", config.path, "--state-dir", harness.stateDir.path, "--log-target", "stderr"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(output.contains("config file \(config.path)"))
        #expect(output.contains("'poll' must be"))
    }
}
