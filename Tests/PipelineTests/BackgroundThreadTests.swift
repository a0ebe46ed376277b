import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Pipeline

/// The checkpointer's thread: it runs its work once per burst of signals, at its own nice value, and `drain` and
/// `stop` mean what they say.
struct BackgroundThreadTests {
    /// The nice value of the calling thread (field 19 of /proc/thread-self/stat, after the command's parentheses).
    static func threadNice() -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the command start at 3 (state): nice is field 19.
        return Int(fields[19 - 3])
    }

    @Test func runsAtItsNiceValueWithoutChangingTheCaller() throws {
        let seen = Mutex<Int?>(nil)
        let thread = BackgroundThread(name: "test-nice", nice: 7) { seen.withLock { $0 = Self.threadNice() } }
        defer { thread.stop() }
        let before = try #require(Self.threadNice())
        thread.signal()
        thread.drain()
        #expect(seen.withLock { $0 } == 7)
        #expect(Self.threadNice() == before)
    }

    @Test func signalsWhileTheWorkWaitsRunItOnceAndOneDuringARunRunsItAgain() {
        let runs = Atomic<Int>(0)
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let thread = BackgroundThread(name: "test-runs", nice: 0) {
            if runs.add(1, ordering: .relaxed).newValue == 1 {
                entered.signal()
                release.wait()
            }
        }
        defer { thread.stop() }
        thread.signal()
        entered.wait()
        // The first run is under way: these three ask for one more run, not three.
        thread.signal()
        thread.signal()
        thread.signal()
        release.signal()
        thread.drain()
        let afterBurst = runs.load(ordering: .relaxed)
        #expect(afterBurst == 2)
        thread.signal()
        thread.drain()
        let afterOne = runs.load(ordering: .relaxed)
        #expect(afterOne == 3)
    }

    @Test func drainWaitsForTheRunUnderWay() {
        let finished = Atomic<Bool>(false)
        let thread = BackgroundThread(name: "test-drain", nice: 0) {
            Thread.sleep(forTimeInterval: 0.2)
            finished.store(true, ordering: .releasing)
        }
        defer { thread.stop() }
        thread.signal()
        thread.drain()
        let done = finished.load(ordering: .acquiring)
        #expect(done)
    }

    @Test func afterStopSignalsRunNothingAndDrainReturns() {
        let runs = Atomic<Int>(0)
        let thread = BackgroundThread(name: "test-stop", nice: 0) { runs.add(1, ordering: .relaxed) }
        thread.signal()
        thread.drain()
        thread.stop()
        thread.signal()
        thread.drain()
        Thread.sleep(forTimeInterval: 0.1)
        let total = runs.load(ordering: .relaxed)
        #expect(total == 1)
    }
}
