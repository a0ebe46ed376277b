import Foundation
import Synchronization
import Testing

@testable import Pipeline

/// Chunks of entries are recorded one at a time, in order, beside the caller; a failure stops the rest.
struct ChunkRecorderTests {
    struct Refused: Error {}

    @Test func recordsInOrderOneAtATime() throws {
        let recorder = ChunkRecorder()
        let done = Atomic<Int>(0)
        let order = Mutex<[Int]>([])
        for chunk in 0..<20 {
            try recorder.submit {
                // Some work, so that the caller would run ahead if `submit` did not wait.
                var x = 0
                for i in 0..<50_000 { x &+= i &* chunk }
                done.add(1, ordering: .sequentiallyConsistent)
                order.withLock { $0.append(chunk + (x & 0)) }
            }
            // Submitting chunk n waited for chunk n - 1: at most one chunk is held besides the one being parsed.
            #expect(done.load(ordering: .sequentiallyConsistent) >= chunk)
        }
        try recorder.finish()
        #expect(done.load(ordering: .sequentiallyConsistent) == 20)
        #expect(order.withLock { $0 } == Array(0..<20))
    }

    @Test func aFailureStopsTheRest() throws {
        let recorder = ChunkRecorder()
        let ran = Atomic<Int>(0)
        try recorder.submit {
            ran.add(1, ordering: .sequentiallyConsistent)
        }
        try recorder.submit {
            ran.add(1, ordering: .sequentiallyConsistent)
            throw Refused()
        }
        // The failure surfaces at the next submit, whose chunk is never recorded.
        #expect(throws: Refused.self) {
            try recorder.submit {
                ran.add(1, ordering: .sequentiallyConsistent)
            }
        }
        #expect(throws: Refused.self) { try recorder.finish() }
        recorder.drain()
        #expect(ran.load(ordering: .sequentiallyConsistent) == 2)
    }
}
