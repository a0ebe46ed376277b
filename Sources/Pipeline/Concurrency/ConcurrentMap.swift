import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `map` spread over all cores; the results keep the order of the elements. Given a `CoreShare`, the map
    /// leaves a core to a recording under way (see `CoreShare`): its workers take elements one at a time, and all
    /// but the first wait while a recording holds their core.
    func concurrentMap<T: Sendable>(sharing share: CoreShare? = nil, _ transform: @Sendable (Element) -> T) -> [T] {
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            // Releases what the slots still hold: deallocating alone would leak every result, a file's
            // whole extracted article each time.
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        if let share, share.cores > 1, count > 1 {
            let count = count
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: Swift.min(count, share.cores)) { worker in
                while true {
                    share.admit(worker, unless: { next.load(ordering: .relaxed) >= count })
                    let index = next.add(1, ordering: .relaxed).oldValue
                    if index >= count { break }
                    slots[index] = transform(self[index])
                }
                share.drained()
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: count) { index in
                slots[index] = transform(self[index])
            }
        }
        return results.map { $0! }
    }
}
