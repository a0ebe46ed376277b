import Synchronization

/// The daemon's near-duplicate policy, shared by the ingestor (which applies it to every batch) and the
/// control handler (`dedup --recheck --threshold X` changes it for the running daemon).
public final class NearDuplicateSettings: Sendable {
    private let state: Mutex<NearDuplicatePolicy>

    public init(_ policy: NearDuplicatePolicy = .init()) { state = Mutex(policy) }

    public var policy: NearDuplicatePolicy {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
