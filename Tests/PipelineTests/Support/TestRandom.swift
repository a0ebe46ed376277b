import Foundation
import NearDupLab

/// The random source of the randomised tests. `make test` draws the same inputs on every run, so a red CI run is
/// a change's doing, never chance; `CORPUSD_TEST_SEED=N` replays or explores other inputs (`random`: a new seed each
/// run). Each test's failure messages carry the seed they drew with.
enum TestRandom {
    /// The generator for one test: the seed given in the environment, or one fixed by the test's name.
    static func generator(_ test: String = #function) -> (generator: SeededRandom, seed: UInt64) {
        let seed = seed(for: test, given: ProcessInfo.processInfo.environment["CORPUSD_TEST_SEED"])
        return (SeededRandom(seed: seed), seed)
    }

    static func seed(for test: String, given: String?) -> UInt64 {
        switch given {
        case "random": return UInt64.random(in: .min ... .max)
        case let text?:
            // A misspelt value would explore nothing while seeming to: refuse it.
            guard let number = UInt64(text) else { preconditionFailure("CORPUSD_TEST_SEED is '\(text)': a number or 'random'") }
            return number
        case nil: break
        }
        // FNV-1a of the test's name: stable across runs and machines (`Hasher` is seeded per process).
        return test.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }
}
