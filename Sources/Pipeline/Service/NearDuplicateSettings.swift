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

/// Which near-duplicate threshold the daemon judges new files with at start, and what to tell the user.
///
/// The settings win when they give one (`near_threshold`, `--near-threshold`); without one, the corpus's
/// own (`dedup --recheck --threshold` records it) stays in force across restarts, else the default. When
/// the threshold in force is not the one the corpus was judged with, or a re-check did not finish, the
/// warning says so and names the command that judges the corpus again; nothing is re-judged unasked.
public struct NearThresholdChoice: Sendable, Hashable {
    public enum Source: String, Sendable { case settings, corpus, defaults = "default" }

    public var threshold: Double?
    public var source: Source
    public var warning: String?

    public static func decide(configured: Double??, recorded: NearJudgement?) -> NearThresholdChoice {
        var choice: NearThresholdChoice
        if let configured {
            choice = NearThresholdChoice(threshold: configured, source: .settings)
        } else if let recorded {
            choice = NearThresholdChoice(threshold: recorded.threshold, source: .corpus)
        } else {
            choice = NearThresholdChoice(threshold: NearDuplicatePolicy.defaultThreshold, source: .defaults)
        }
        choice.warning = warning(inForce: choice.threshold, recorded: recorded)
        return choice
    }

    /// What is wrong, if anything, with judging new files at `inForce` in a corpus that records `recorded`.
    public static func warning(inForce: Double?, recorded: NearJudgement?) -> String? {
        guard let recorded else { return nil }
        if !recorded.complete {
            return "a near-duplicate re-check at \(text(recorded.threshold)) did not finish: "
                + "run 'corpusctl dedup --recheck --threshold \(text(recorded.threshold))' to finish it"
        }
        guard recorded.threshold != inForce else { return nil }
        return "the corpus's near-duplicates were judged at threshold \(text(recorded.threshold)), new files are judged at "
            + "\(text(inForce)): run 'corpusctl dedup --recheck' to judge the corpus at \(text(inForce)), "
            + "or set near_threshold to \(text(recorded.threshold))"
    }

    public static func text(_ threshold: Double?) -> String { threshold.map { "\($0)" } ?? "off" }

    init(threshold: Double?, source: Source, warning: String? = nil) {
        self.threshold = threshold
        self.source = source
        self.warning = warning
    }
}
