import Foundation
import NearDupLab
import Pipeline

// neardup-lab eval           — precision/recall/F1 of each method on the labelled set, and the sweeps
//                              the standard parameters were chosen from.
// neardup-lab bench N…       — ingest throughput with near-duplicate detection at each N stored documents
//                              (databases kept in $NEARDUP_BENCH_DIR when set, else a temporary folder).
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "eval":
    Lab.evaluate()
case "bench":
    try Lab.bench(sizes: arguments.dropFirst().compactMap(Int.init), database: ProcessInfo.processInfo.environment["NEARDUP_BENCH_DIR"])
default:
    FileHandle.standardError.write(Data("usage: neardup-lab eval | bench N…\n".utf8))
    exit(2)
}
