import CMalloc
import Foundation

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
