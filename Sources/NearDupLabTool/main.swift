import Foundation
import NearDupLab
import Pipeline

// neardup-lab eval           — precision/recall/F1 of each method on the labelled set, and the sweeps
//                              the standard parameters were chosen from.
// neardup-lab bench N…       — ingest throughput with near-duplicate detection at each N stored documents
//                              (databases kept in $NEARDUP_BENCH_DIR when set, else a temporary folder).
// neardup-lab train STATE    — the tag model's training as the daemon runs it, on STATE/corpus.sqlite, with the
//                              process's resident memory after each step (nothing is written).
// neardup-lab fill STATE DIR — ingests every file under DIR into STATE/corpus.sqlite through the real pipeline
//                              and store (scripts/fill-state.sh builds a 1 M-document state folder with it).
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "eval":
    Lab.evaluate()
case "bench":
    try Lab.bench(sizes: arguments.dropFirst().compactMap(Int.init), database: ProcessInfo.processInfo.environment["NEARDUP_BENCH_DIR"])
case "train" where arguments.count == 2:
    try Lab.train(state: arguments[1])
case "fill" where arguments.count == 3:
    try Lab.fill(state: arguments[1], from: arguments[2])
default:
    FileHandle.standardError.write(Data("usage: neardup-lab eval | bench N… | train STATE | fill STATE DIR\n".utf8))
    exit(2)
}
