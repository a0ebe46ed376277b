import Synchronization

/// A value several parts of the daemon read while a reload may replace it (the log level, the
/// ingest settings). Reads always see a whole value.
public final class Live<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    public init(_ value: Value) { storage = Mutex(value) }

    public var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
