import Foundation
import NearDupLab
import Pipeline

// neardup-lab eval           — precision/recall/F1 of each method on the labelled set, and the sweeps
//                              the standard parameters were chosen from.
// neardup-lab bench N…       — ingest throughput with near-duplicate detection at N stored documents.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "eval":
    Lab.evaluate()
case "debug-stories":
    try Lab.debugStories()
case "bench":
    try Lab.bench(sizes: arguments.dropFirst().compactMap(Int.init), database: ProcessInfo.processInfo.environment["NEARDUP_BENCH_DB"])
default:
    FileHandle.standardError.write(Data("usage: neardup-lab eval | bench N…\n".utf8))
    exit(2)
}
