import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own that runs one piece of work whenever it is signalled, at a lower CPU priority than the rest
/// of the process (a nice value, which Linux keeps per thread). Signals that arrive while the work is waiting to
/// start make it run once; one that arrives while it runs makes it run again after.
///
/// Dispatch's queues cannot do this: their threads are shared, and a nice value set on one would stay with whatever
/// runs on it next (on Linux a thread cannot lower its nice value again without privileges).
final class BackgroundThread: @unchecked Sendable {
    // @unchecked: `pending`, `running` and `stopped` are only read and written with `condition` locked.
    private let condition = NSCondition()
    private var pending = false
    private var running = false
    private var stopped = false

    /// Starts the thread; `work` runs on it after each `signal`.
    init(name: String, nice: Int32, work: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            // Named from the thread itself (Linux's limit: 15 bytes), for `top -H` and /proc.
            Thread.current.name = String(name.prefix(15))
            #if canImport(Glibc)
            // Only this thread's priority: Linux keeps the nice value per thread, and `who` 0 is the calling one
            // (setpriority(2), NOTES).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
            #endif
            loop(work)
        }
        thread.start()
    }

    /// Asks for the work to run (once more, if it is running now).
    func signal() {
        condition.lock()
        pending = true
        condition.broadcast()
        condition.unlock()
    }

    /// Returns once no run is asked for or under way.
    func drain() {
        condition.lock()
        while (pending && !stopped) || running { condition.wait() }
        condition.unlock()
    }

    /// Ends the thread after the run under way, if any; work asked for and not started is dropped.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop(_ work: @Sendable () -> Void) {
        while true {
            condition.lock()
            while !pending && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            pending = false
            running = true
            condition.unlock()
            work()
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
