import Dispatch

extension Array where Element: Sendable {
    /// `map` spread over all cores; the results keep the order of the elements.
    func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            // Releases what the slots still hold: deallocating alone would leak every result, a file's
            // whole extracted article each time.
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: count) { index in
            slots[index] = transform(self[index])
        }
        return results.map { $0! }
    }
}
