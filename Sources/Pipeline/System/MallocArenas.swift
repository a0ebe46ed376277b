import CMalloc
import Foundation
import Synchronization

/// glibc's malloc gives each thread that meets contention an arena of its own, up to eight per core, and an
/// arena keeps the memory freed into it. corpusd's threads (the ingest queue, the writer, the chunk recorder,
/// the tag learner, Dispatch and the concurrency pool) each build and drop batches of articles, so every arena
/// holds its own high-water mark: ~10 MB of corpusd's peak resident memory while ingesting (BENCHMARKS.md,
/// "Scale, again"). Two arenas cost no measurable CPU there.
public enum MallocArenas {
    /// Caps the number of malloc arenas for the rest of the process (call it before the threads start). The
    /// environment's `MALLOC_ARENA_MAX`, when set, wins.
    public static func limit(to count: Int32 = 2) {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = mallopt(M_ARENA_MAX, count)
    }
}

/// Hands the pages freed inside malloc's arenas back to the system, at most once per `interval` while work goes
/// on, and once more when it stops.
///
/// Free memory between live blocks stays resident: glibc returns only the top of an arena by itself. While a long
/// ingest runs, batches of articles are built and dropped by several threads, and the holes they leave add up: after
/// 13,000 entries corpusd held 61 MB of arena memory of which 30 MB was in use, and one `malloc_trim(0)` took its
/// anonymous memory from 62 to 35 MB (BENCHMARKS.md, "Memory over a long ingest"). A trim walks the free
/// chunks and releases their whole pages; a page used again costs one zero-filled page fault.
public final class MallocTrimmer: Sendable {
    public let interval: Duration
    private let clock = ContinuousClock()
    private let last: Mutex<ContinuousClock.Instant>
    private let trims = Atomic<Int>(0)

    public init(interval: Duration = .seconds(2)) {
        self.interval = interval
        self.last = Mutex(clock.now)
    }

    /// Trims when `interval` has passed since the last trim. Cheap otherwise: one clock read.
    public func afterWork() {
        let now = clock.now
        let due = last.withLock { last in
            guard now - last >= interval else { return false }
            last = now
            return true
        }
        if due { trim() }
    }

    /// Trims now: the work is done and the daemon goes idle, holding no more than it uses.
    public func workDone() {
        last.withLock { $0 = clock.now }
        trim()
    }

    /// How many trims were made so far.
    public var count: Int { trims.load(ordering: .relaxed) }

    private func trim() {
        _ = malloc_trim(0)
        trims.add(1, ordering: .relaxed)
    }
}
