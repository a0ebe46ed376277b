import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Pipeline

/// A parallel map given a `CoreShare` leaves the writer a core while it records, uses every core otherwise, and
/// still maps every element once, in order.
struct CoreShareTests {
    /// A recording held open on another thread until `end()`; returns once it has begun.
    final class HeldRecording: @unchecked Sendable {
        private let began = DispatchSemaphore(value: 0)
        private let release = DispatchSemaphore(value: 0)
        private let ended = DispatchSemaphore(value: 0)

        init(_ share: CoreShare) {
            Thread.detachNewThread { [began, release, ended] in
                share.recording {
                    began.signal()
                    release.wait()
                }
                ended.signal()
            }
            began.wait()
        }

        func end() {
            release.signal()
            ended.wait()
        }
    }

    /// Counts the transforms running at once and remembers the most.
    final class Overlap: Sendable {
        private let running = Atomic<Int>(0)
        private let most = Atomic<Int>(0)
        var maximum: Int { most.load(ordering: .sequentiallyConsistent) }

        func during<T>(_ body: () -> T) -> T {
            let now = running.add(1, ordering: .sequentiallyConsistent).newValue
            _ = most.max(now, ordering: .sequentiallyConsistent)
            defer { running.subtract(1, ordering: .sequentiallyConsistent) }
            return body()
        }
    }

    @Test(arguments: [1, 2, 3])
    func mapsEveryElementOnceInOrder(cores: Int) {
        let share = CoreShare(cores: cores)
        let calls = Atomic<Int>(0)
        let input = Array(0..<1_000)
        let doubled = input.concurrentMap(sharing: share) { value -> Int in
            calls.add(1, ordering: .sequentiallyConsistent)
            return value * 2
        }
        #expect(doubled == input.map { $0 * 2 })
        let called = calls.load(ordering: .sequentiallyConsistent)
        #expect(called == input.count)
        // The same while a recording holds a core all along: the first worker does the work alone.
        let held = HeldRecording(share)
        #expect(input.concurrentMap(sharing: share) { $0 + 1 } == input.map { $0 + 1 })
        held.end()
    }

    @Test func leavesTheWriterACoreWhileItRecords() {
        let share = CoreShare(cores: 2)
        let held = HeldRecording(share)
        #expect(share.isRecording)
        let overlap = Overlap()
        let out = Array(0..<40).concurrentMap(sharing: share) { value in
            overlap.during {
                usleep(2_000)
                return value
            }
        }
        held.end()
        #expect(out == Array(0..<40))
        // Two cores, one held by the recording: one transform at a time (an ungated map ran two).
        #expect(overlap.maximum == 1)
        #expect(!share.isRecording)
    }

    @Test func usesEveryCoreWhenNothingRecords() {
        let share = CoreShare(cores: 2)
        let secondStarted = DispatchSemaphore(value: 0)
        let sawSecond = Atomic<Bool>(false)
        _ = Array(0..<2).concurrentMap(sharing: share) { value in
            if value == 0 {
                // Only a second worker can take element 1 while this one waits here.
                let seen = secondStarted.wait(timeout: .now() + 10) == .success
                sawSecond.store(seen, ordering: .sequentiallyConsistent)
            } else {
                secondStarted.signal()
            }
            return value
        }
        let seen = sawSecond.load(ordering: .sequentiallyConsistent)
        #expect(seen)
    }

    @Test func aWaitingWorkerJoinsOnceTheRecordingEnds() {
        let share = CoreShare(cores: 2)
        let held = HeldRecording(share)
        let secondStarted = DispatchSemaphore(value: 0)
        let sawSecond = Atomic<Bool>(false)
        let out = Array(0..<3).concurrentMap(sharing: share) { value in
            if value == 0 {
                // The recording ends while the first worker is busy: the second, waiting, takes the next element.
                held.end()
                let seen = secondStarted.wait(timeout: .now() + 10) == .success
                sawSecond.store(seen, ordering: .sequentiallyConsistent)
            } else {
                secondStarted.signal()
            }
            return value
        }
        #expect(out == [0, 1, 2])
        let seen = sawSecond.load(ordering: .sequentiallyConsistent)
        #expect(seen)
    }
}
