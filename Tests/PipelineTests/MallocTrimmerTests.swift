import Foundation
import Testing

@testable import Pipeline

/// When the ingestor gives freed memory back, and that a trim does give it back.
struct MallocTrimmerTests {
    @Test func workTrimsAtMostOncePerIntervalAndTheEndOfWorkAlways() {
        let slow = MallocTrimmer(interval: .seconds(3600))
        slow.afterWork()
        slow.afterWork()
        #expect(slow.count == 0, "the interval has not passed since the trimmer was made")
        slow.workDone()
        #expect(slow.count == 1)
        slow.afterWork()
        #expect(slow.count == 1, "the end of work starts the interval again")

        let eager = MallocTrimmer(interval: .zero)
        eager.afterWork()
        eager.afterWork()
        #expect(eager.count == 2)
    }

    /// 64 MB of 4,000-byte blocks, every 64th kept: the holes between the kept blocks are free but resident until
    /// a trim releases their pages.
    @Test func aTrimReleasesTheFreePagesBetweenLiveBlocks() throws {
        let blocks = (0..<16_384).map { _ in malloc(4_000)! }
        for block in blocks { memset(block, 1, 4_000) }
        var kept: [UnsafeMutableRawPointer] = []
        for (index, block) in blocks.enumerated() {
            if index % 64 == 63 { kept.append(block) } else { free(block) }
        }
        defer { kept.forEach { free($0) } }
        let before = try Self.anonymousKiB()
        MallocTrimmer().workDone()
        let after = try Self.anonymousKiB()
        // ~63 MB were freed between the kept blocks; other tests running meanwhile may allocate some.
        #expect(before - after > 32_000, "anonymous memory \(before) KiB before the trim, \(after) KiB after")
    }

    static func anonymousKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
}
