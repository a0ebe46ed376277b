#if canImport(Glibc)
import Glibc
#endif

/// Points at which a test can have the daemon killed with SIGKILL (as a power cut would stop it), to
/// prove that recovery copes with that exact moment. Nothing is armed unless `CORPUSD_FAULT` names
/// points (comma-separated); only the tests set it.
public struct FaultInjection: Sendable {
    public enum Point: String, Sendable, CaseIterable {
        /// The destinations chosen for a batch's originals are recorded; none is moved yet.
        case afterDisposalPlan = "after-disposal-plan"
        /// An original is moved to archive/ or failed/; where it went is not recorded yet.
        case afterDisposalMove = "after-disposal-move"
    }

    public var armed: Set<Point>

    public init(armed: Set<Point> = []) { self.armed = armed }

    /// The points named by `CORPUSD_FAULT`; unknown names are ignored.
    public static func fromEnvironment(_ environment: [String: String]) -> FaultInjection {
        let names = environment["CORPUSD_FAULT"]?.split(separator: ",") ?? []
        return FaultInjection(armed: Set(names.compactMap { Point(rawValue: String($0)) }))
    }

    /// Kills this process at once when `point` is armed.
    public func reach(_ point: Point) {
        if armed.contains(point) { kill(getpid(), SIGKILL) }
    }
}
