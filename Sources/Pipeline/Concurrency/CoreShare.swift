import Foundation

/// Shares the cores between the ingest's one serial stage, the writer, and the stages that prepare its work in
/// parallel. The ingest records chunk n while it reads and parses chunk n + 1; with as many parsing threads as
/// cores, the writer — the stage that sets the pace — had to share its core (on two cores, 20,000 JSON Lines entries
/// timed chunk by chunk: the recording busy 18.9 s of a 19.5 s ingest; with the share, 15.4 s of a 16.0 s ingest, on
/// 13.9 s of CPU). While a recording runs, a parallel map given this share leaves the writer one core; when none
/// runs, the map uses them all.
public final class CoreShare: @unchecked Sendable {
    /// The cores the maps may use.
    public let cores: Int
    private let condition = NSCondition()
    /// Recordings under way. Guarded by `condition`.
    private var recordings = 0

    public init(cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.cores = max(1, cores)
    }

    /// Runs a recording: maps given this share use one core fewer until it returns.
    public func recording<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock()
        recordings += 1
        condition.unlock()
        defer {
            condition.lock()
            recordings -= 1
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }

    /// True while a recording runs.
    public var isRecording: Bool {
        condition.lock()
        defer { condition.unlock() }
        return recordings > 0
    }

    /// How many of a map's workers may run now: all cores, less the one a recording holds (never fewer than one).
    private var workersAllowed: Int {
        max(1, cores - min(recordings, 1))
    }

    /// Waits until worker `worker` (numbered from 0) may take more work: at once for the first worker, which never
    /// waits, so a map always makes progress; for the others while a recording holds their core, unless `drained`
    /// says there is no work left to take.
    func admit(_ worker: Int, unless drained: () -> Bool) {
        guard worker > 0 else { return }
        condition.lock()
        defer { condition.unlock() }
        while worker >= workersAllowed && !drained() {
            condition.wait()
        }
    }

    /// Wakes the workers waiting in `admit`: a map's work has all been taken.
    func drained() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }
}
