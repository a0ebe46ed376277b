#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Testing
@testable import Pipeline

/// The pieces that make corpusd a systemd service, tested without systemd: the journal entry's
/// fields, where logs go, the config file, and the reload seam. `make test-systemd` runs the whole
/// under a booted systemd.
struct JournalFieldTests {
    @Test func metadataKeysBecomeCorpusdFields() {
        let event = LogEvent(level: .warning, message: "failed", metadata: nil, source: "Pipeline",
                             file: "Pipeline/Ingestor.swift", function: "log(_:)", line: 42)
        let fields = JournalLogHandler.fields(
            of: event, identifier: "corpusd",
            metadata: ["outcome": "failed", "item": "7", "file": "a b/c.txt", "reason": "empty\nfile", "error.type": "X"])
        #expect(fields == [
            "MESSAGE=failed", "PRIORITY=4", "SYSLOG_IDENTIFIER=corpusd", "CODE_FILE=Pipeline/Ingestor.swift",
            "CODE_LINE=42", "CODE_FUNC=log(_:)",
            "CORPUSD_ERROR_TYPE=X", "CORPUSD_FILE=a b/c.txt", "CORPUSD_ITEM=7", "CORPUSD_OUTCOME=failed",
            "CORPUSD_REASON=empty\nfile",
        ])
    }

    @Test func fieldNamesAreValidJournalNames() {
        #expect(JournalLogHandler.fieldName("similarity") == "CORPUSD_SIMILARITY")
        #expect(JournalLogHandler.fieldName("queued_at_start") == "CORPUSD_QUEUED_AT_START")
        #expect(JournalLogHandler.fieldName("é-x") == "CORPUSD___X")
        #expect(JournalLogHandler.fieldName(String(repeating: "k", count: 100)).count == 64)
    }

    @Test func prioritiesFollowSyslog() {
        #expect(Logger.Level.allCases.map(JournalLogHandler.priority) == [7, 7, 6, 5, 4, 3, 2])
    }
}

struct LogTargetTests {
    @Test func autoMeansStderrOutsideSystemd() {
        #expect(LogTarget.auto.resolved(environment: [:]) == .stderr)
        #expect(LogTarget.journal.resolved(environment: [:]) == .journal)
    }

    @Test func aJournalStreamThatIsNotStderrIsIgnored() {
        #expect(LogTarget.auto.resolved(environment: ["JOURNAL_STREAM": "1:1"]) == .stderr)
    }

    @Test func journalStreamMatchingStderrMeansJournal() throws {
        var info = stat()
        try #require(fstat(STDERR_FILENO, &info) == 0)
        let stream = "\(info.st_dev):\(info.st_ino)"
        #expect(LogTarget.auto.resolved(environment: ["JOURNAL_STREAM": stream]) == .journal)
    }

    @Test func invocationIDMeansJournalOnlyWhenTheJournalIsThere() {
        let environment = ["INVOCATION_ID": "0123456789abcdef"]
        #expect(LogTarget.auto.resolved(environment: environment, journalSocket: "/nonexistent/socket") == .stderr)
        let folder = NSTemporaryDirectory() + "corpusd-journal-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/socket", contents: nil)
        #expect(LogTarget.auto.resolved(environment: environment, journalSocket: folder + "/socket") == .journal)
    }

    @Test func theSharedLevelFiltersEveryLoggerUntilOneSetsItsOwn() {
        let level = Live<Logger.Level>(.info)
        var handler = SharedLevelLogHandler(StreamLogHandler.standardError(label: "t"), level: level)
        #expect(handler.logLevel == .info)
        level.value = .debug
        #expect(handler.logLevel == .debug)
        handler.logLevel = .error
        level.value = .trace
        #expect(handler.logLevel == .error)
    }
}

struct ConfigFileTests {
    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "corpusd-config-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsEverySettingAndFlagsWin() throws {
        let path = try write("""
            # comment
            state_dir: /srv/corpus
            poll: 5
            settle: 0.5
            inotify: false
            folder_tags: true
            max_file_size: 1024
            batch_size: 8
            log_level: debug
            max_watches: 100
            near_threshold: 0.7
            hung_after: 5
            """)
        defer { unlink(path) }
        let file = try CorpusdSettings.load(path: path)
        #expect(file == CorpusdSettings(stateDir: "/srv/corpus", poll: 5, settle: 0.5, inotify: false, folderTags: true,
                                        maxFileSize: 1024, batchSize: 8, logLevel: .debug, maxWatches: 100,
                                        nearThreshold: "0.7", hungAfter: 5))
        let config = file.overridden(by: CorpusdSettings(poll: 1, logLevel: .warning)).daemonConfig(environment: [:])
        #expect(config.layout.stateDirectory == "/srv/corpus")
        #expect(config.layout.inbox == "/srv/corpus/inbox")
        #expect(config.pollInterval == 1)
        #expect(config.settle == 0.5)
        #expect(config.useInotify == false)
        #expect(config.ingest.folderTags == true)
        #expect(config.ingest.batchSize == 8)
        #expect(config.maxFileSize == 1024)
        #expect(config.logLevel == .warning)
        #expect(config.maxWatches == 100)
        #expect(config.hungAfter == 5)
        #expect(config.ingest.nearDuplicates.policy.threshold == 0.7)
        let off = try write("near_threshold: off\n")
        defer { unlink(off) }
        #expect(try CorpusdSettings.load(path: off).daemonConfig(environment: [:]).ingest.nearDuplicates.policy.threshold == nil)
    }

    @Test func theCommentedExampleGivesTheDefaults() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/corpusd.yaml").path
        #expect(try CorpusdSettings.load(path: example) == CorpusdSettings())
    }

    @Test func aMisspeltSettingIsAnError() throws {
        let path = try write("batchsize: 8\n")
        defer { unlink(path) }
        #expect {
            try CorpusdSettings.load(path: path)
        } throws: { error in
            "\(error)".contains("unknown setting 'batchsize'") && "\(error)".contains(path)
        }
    }

    @Test func aWrongTypeOrLevelIsAnError() throws {
        for text in ["poll: soon\n", "log_level: loud\n", "- a list\n", "near_threshold: 2\n", "model_threshold: 1.5\n", "hung_after: 0\n"] {
            let path = try write(text)
            defer { unlink(path) }
            #expect(throws: CorpusdSettings.FileError.self) { try CorpusdSettings.load(path: path) }
        }
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: CorpusdSettings.FileError.self) { try CorpusdSettings.load(path: "/nonexistent/corpusd.yaml") }
    }
}

struct ReloadTests {
    struct Broken: Error, CustomStringConvertible { var description: String { "line 3: bad tag" } }

    @Test func everyHookRunsAndAFailureIsReported() {
        let registry = ReloadRegistry()
        let calls = Live(0)
        registry.register("config") { calls.value += 1; return "batch_size 64 → 8" }
        registry.register("taxonomy") { throw Broken() }
        registry.register("other") { calls.value += 1; return nil }
        let report = registry.reloadAll()
        #expect(calls.value == 2)
        #expect(report.entries.map(\.name) == ["config", "taxonomy", "other"])
        #expect(report.entries[0].outcome == .reloaded(changes: "batch_size 64 → 8"))
        #expect(report.failures.map(\.outcome) == [.failed(reason: "line 3: bad tag")])
    }

    @Test func theReportRoundTripsThroughJSON() throws {
        let report = ReloadReport(entries: [.init(name: "config", outcome: .reloaded(changes: nil)),
                                            .init(name: "taxonomy", outcome: .failed(reason: "x"))])
        let data = try JSONEncoder.corpus.encode(report)
        #expect(try JSONDecoder.corpus.decode(ReloadReport.self, from: data) == report)
    }

    @Test func applyPutsReloadableSettingsInForceAndNamesTheRest() {
        var old = DaemonConfig(layout: StateLayout.resolve(stateDirectory: "/a", environment: [:]))
        old.logLevel = .info
        let applied = Live(old)
        let level = Live<Logger.Level>(.info)
        let ingest = Live(old.ingest)
        let near = Live<Double??>(nil)
        var new = old
        new.logLevel = .debug
        new.ingest.batchSize = 8
        new.pollInterval = 9
        new.hungAfter = 5
        new.ingest.nearDuplicates = NearDuplicateSettings(NearDuplicatePolicy(threshold: 0.5))
        new.configuredNearThreshold = .some(0.5)
        let changes = CorpusDaemon.apply(new, over: applied, logLevel: level, ingest: ingest, configuredNear: near)
        #expect(changes == "log_level info → debug; batch_size 64 → 8; near_threshold \(NearDuplicatePolicy.defaultThreshold) → 0.5; needs a restart to apply: poll, hung_after")
        // The one shared policy box takes the new threshold, so the control handler sees it too.
        #expect(ingest.value.nearDuplicates === old.ingest.nearDuplicates)
        #expect(old.ingest.nearDuplicates.policy.threshold == 0.5)
        #expect(level.value == .debug)
        #expect(ingest.value.batchSize == 8)
        // The restart-only setting stays as it was, so it is named again until a restart.
        #expect(applied.value.pollInterval == 2)
        #expect(CorpusDaemon.apply(new, over: applied, logLevel: level, ingest: ingest, configuredNear: near)
            == "needs a restart to apply: poll, hung_after")
    }
}

struct ClientStateLayoutTests {
    @Test func aMemberWithoutAStateFolderOfTheirOwnFindsTheSystemService() throws {
        let system = NSTemporaryDirectory() + "corpusd-system-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: system, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: system) }
        let home = ["HOME": "/nonexistent-home"]
        #expect(StateLayout.resolveForClient(environment: home, isRoot: false, systemStateDirectory: system)
            .stateDirectory == system)
        // Their own folder, a named one, or root: as the daemon resolves it.
        let own = NSTemporaryDirectory() + "corpusd-own-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: own + "/corpusd", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: own) }
        #expect(StateLayout.resolveForClient(environment: ["XDG_STATE_HOME": own], isRoot: false,
                                             systemStateDirectory: system).stateDirectory == own + "/corpusd")
        #expect(StateLayout.resolveForClient(environment: home.merging(["CORPUSD_STATE_DIR": "/x"]) { $1 },
                                             isRoot: false, systemStateDirectory: system).stateDirectory == "/x")
    }
}

/// sd_notify must never stall the daemon: with a notify socket nobody reads, notifications return at
/// once; status and watchdog messages are coalesced, and READY=1 is not lost.
@Suite(.serialized)
struct NonBlockingNotifyTests {
    @Test func aNotifySocketNobodyReadsNeverBlocksAndKeepsWhatMatters() throws {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("notify-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let listener = try NotifySocket(path: root.appendingPathComponent("n.sock").path)
        let notifier = ServiceManagerNotifier(socket: listener.path)
        // More datagrams than the kernel queues for one unread socket (net.unix.max_dgram_qlen).
        let queueLength = (try? String(contentsOfFile: "/proc/sys/net/unix/max_dgram_qlen", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 512
        let total = queueLength + 1000

        let finished = DispatchSemaphore(value: 0)
        let sender = Thread {
            for n in 0..<total {
                notifier.status("status \(n)")
                notifier.watchdog()
            }
            notifier.ready(status: "ready while full")
            notifier.status("latest while full")
            finished.signal()
        }
        sender.start()
        // A blocking send would hang here for good; the deadline only bounds the failure.
        #expect(finished.wait(timeout: .now() + 60) == .success, "a notification blocked on a full socket")
        #expect(notifier.pendingCount > 0 && notifier.pendingCount <= ServiceManagerNotifier.pendingLimit)
        #expect(notifier.pendingCount <= 3, "waiting STATUS and WATCHDOG messages were not coalesced")

        // The reader catches up; the next notification delivers what waited, in order, newest status only.
        let before = listener.messages
        #expect(before.count < total, "the socket took every message: it never filled")
        #expect(!before.contains("READY=1\nSTATUS=ready while full"))
        notifier.status("after the reader caught up")
        let after = Array(listener.messages.dropFirst(before.count))
        #expect(after.contains("READY=1\nSTATUS=ready while full"))
        #expect(after.last == "STATUS=after the reader caught up")
        #expect(!after.contains("STATUS=latest while full"), "a waiting status should give way to a newer one")
        #expect(notifier.pendingCount == 0)
    }

    /// A slow step before READY=1 (a schema migration) asks for more start-up time while it runs, and stops asking
    /// when it is done; a fast one asks for nothing.
    @Test func aSlowStartAsksForMoreTimeUntilItIsDone() throws {
        let folder = try TemporaryFolder("extend")
        defer { folder.remove() }
        let listener = try NotifySocket(path: folder.path("n.sock"))
        let notifier = ServiceManagerNotifier(socket: listener.path)

        #expect(notifier.extendingStart("fast", interval: .milliseconds(200)) { 7 } == 7)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(listener.messages.isEmpty)

        notifier.extendingStart("migrating", interval: .milliseconds(100)) { Thread.sleep(forTimeInterval: 0.45) }
        let asked = listener.messages
        #expect((3...5).contains(asked.count), "\(asked)")
        for message in asked {
            let lines = message.split(separator: "\n")
            #expect(lines.first == "EXTEND_TIMEOUT_USEC=300000", "\(message)")
            #expect(lines.last?.hasPrefix("STATUS=migrating (") == true, "\(message)")
        }
        Thread.sleep(forTimeInterval: 0.4)
        #expect(listener.messages.count == asked.count, "it kept asking after the step was done")
    }

    /// A socket kind this code does not speak (systemd's `vsock:` for services in virtual machines) is not
    /// taken for "no service manager": the daemon stays supervised and leaves the sending to libsystemd.
    @Test func aNonUnixNotifySocketIsLeftToLibsystemd() {
        let vsock = ServiceManagerNotifier(socket: "vsock:2:1234")
        #expect(vsock.isSupervised)
        vsock.status("x")
        #expect(vsock.pendingCount == 0)
        #expect(!ServiceManagerNotifier(socket: "").isSupervised)
    }

    @Test func withoutANotifySocketNothingIsSent() {
        let notifier = ServiceManagerNotifier(socket: nil)
        notifier.ready(status: "x")
        #expect(!notifier.isSupervised)
        #expect(notifier.pendingCount == 0)
    }
}
