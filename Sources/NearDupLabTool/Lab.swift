import Dispatch
import Foundation
import Synchronization
import NearDupLab
import Pipeline

enum Lab {
    static func evaluate() {
        let files = EvaluationSet.make()
        let evaluation = Evaluation(files: files)
        let groups = Set(files.map(\.copyGroup)).count
        print("labelled set: \(files.count) files, \(groups) distinct articles, \(files.count - groups) copies")
        print("roles: " + LabelledFile.Role.allCases.map { r in "\(r.rawValue) \(files.filter { $0.role == r }.count)" }.joined(separator: ", "))
        print("")

        let standard = NearDuplicateParameters.standard
        let threshold = NearDuplicatePolicy.defaultThreshold
        print("## The three methods")
        row(.exactOnly, evaluation)
        row(.minHash(standard, threshold: threshold), evaluation)
        row(.verified(standard, threshold: threshold), evaluation)

        print("\n## Shingling (verified, threshold \(threshold), 25×4)")
        for shingling: NearDuplicateParameters.Shingling in [.words(size: 3), .words(size: 4), .words(size: 5), .words(size: 7),
                                                             .spotSignatures(chain: 2), .spotSignatures(chain: 3)] {
            row(.verified(NearDuplicateParameters(shingling: shingling, bands: 25, rows: 4), threshold: threshold), evaluation)
        }
        print("\n## Threshold (verified, standard parameters)")
        for t in [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9] { row(.verified(standard, threshold: t), evaluation) }
        for chain in [2, 3] {
            print("\n## Threshold (SpotSigs chain \(chain), 25×4)")
            for t in [0.5, 0.6, 0.7, 0.8] {
                row(.verified(NearDuplicateParameters(shingling: .spotSignatures(chain: chain), bands: 25, rows: 4), threshold: t), evaluation)
            }
        }
        print("\n## LSH bands × rows (verified, 5-word shingles, threshold \(threshold))")
        for (b, r) in [(10, 10), (16, 8), (20, 5), (25, 4), (32, 4), (42, 3)] {
            row(.verified(NearDuplicateParameters(shingling: .words(size: 5), bands: b, rows: r), threshold: threshold), evaluation)
        }
        print("\n## MinHash estimate thresholds (standard parameters)")
        for t in [0.6, 0.7, 0.75, 0.8] { row(.minHash(standard, threshold: t), evaluation) }

        print("\n## Exact Jaccard to the original (copies) or to the event's original (negatives): min / median / max")
        for shingling: NearDuplicateParameters.Shingling in [.words(size: 3), .words(size: 5), .spotSignatures(chain: 2), .spotSignatures(chain: 3)] {
            print("\(shingling):")
            for (role, values) in evaluation.similarityProfile(shingling).sorted(by: { $0.key < $1.key }) {
                let s = values.sorted()
                print(String(format: "  %-13@ n=%3d  %.3f / %.3f / %.3f", role as NSString, s.count, s.first ?? 0, s[s.count / 2], s.last ?? 0))
            }
        }

        print("\n## Through the store (CorpusDatabase.record, default policy)")
        do {
            let (run, _) = try StoreRun.run(files, policy: NearDuplicatePolicy())
            print("duplicates: \(DuplicateScores.score(files, decisions: run.decisions))")
            let stories = run.storyScores(files)
            print(String(format: "story clusters vs events (pairs of stored documents): precision %.3f recall %.3f", stories.precision, stories.recall))
        } catch {
            print("store run failed: \(error)")
        }
    }

    static func row(_ method: DuplicateMethod, _ evaluation: Evaluation) {
        let s = evaluation.score(method)
        let errors = s.errorsByRole.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("\(method.description.padding(toLength: 58, withPad: " ", startingAt: 0))  \(s)\(errors.isEmpty ? "" : "  [\(errors)]")")
    }

    // MARK: train

    /// The process's resident memory: `VmRSS`, `VmHWM` (its high-water mark) and `RssAnon`, from /proc/self/status.
    static func residentMemory() -> String {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") || $0.hasPrefix("RssAnon") }
            .map { $0.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\t", with: " ") }.joined(separator: ", ")
    }

    /// The tag model's training as the daemon runs it (`TagLearner.retrainIfDue`: the newest 5,000 labelled documents,
    /// streamed into a `TagModel.Trainer`, the model made and encoded), on the database of a state folder, with the
    /// resident memory after each step: once reading the examples only, then three trainings. Nothing is written.
    static func train(state: String, newest: Int = 5000) throws {
        let database = try CorpusDatabase.open(path: state + "/corpus.sqlite")
        print("opened: \(residentMemory())")
        var bytes = 0
        try database.forEachTrainingExample(newest: newest) { bytes += $0.title.utf8.count + $0.body.utf8.count }
        print("examples read, not trained on (\(bytes) bytes of text): \(residentMemory())")
        for round in 1...3 {
            let started = Date()
            var trainer = TagModel.Trainer()
            try database.forEachTrainingExample(newest: newest) { trainer.add($0) }
            print("training \(round): examples added: \(residentMemory())")
            let model = trainer.model(labelled: newest)
            print("training \(round): model made (\(model.documents) documents, \(model.learntTags.count) tags, "
                  + "\(String(format: "%.2f", Date().timeIntervalSince(started))) s): \(residentMemory())")
            let encoded = try JSONEncoder().encode(model)
            print("training \(round): encoded (\(encoded.count) bytes): \(residentMemory())")
        }
    }

    // MARK: bench

    /// Ingests generated news into file databases as the daemon does (register, claim, pipeline in parallel,
    /// record in batches of 64), one database per size in `sizes`, then measures ingest throughput on each in
    /// alternating rounds, so that a change in machine load falls on every size alike.
    static func bench(sizes: [Int], database directory: String?, rounds: Int = 6, perRound: Int = 500) throws {
        let folder = directory ?? NSTemporaryDirectory() + "neardup-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pipeline = ArticlePipeline()
        let environment = ProcessInfo.processInfo.environment
        // NEARDUP_BENCH_THRESHOLD=off measures the same ingest without the near-duplicate look-up.
        var policy = NearDuplicatePolicy(threshold: environment["NEARDUP_BENCH_THRESHOLD"] == "off" ? nil : NearDuplicatePolicy.defaultThreshold)
        // NEARDUP_BENCH_UNPOSTED=off posts every story term, however common (as before `unpostedCommonFactor`).
        if environment["NEARDUP_BENCH_UNPOSTED"] == "off" { policy.unpostedCommonFactor = 1 << 40 }
        // NEARDUP_BENCH_REUSE=1 measures databases a previous run left in NEARDUP_BENCH_DIR.
        let reuse = environment["NEARDUP_BENCH_REUSE"] == "1" && directory != nil
        // A reused database already holds what seed 7 writes: later runs write other articles.
        var generator = NewsGenerator(seed: reuse ? UInt64(getpid()) : 7)
        // NEARDUP_BENCH_NAMES=long: people's surnames from a long tail (`NewsGenerator.longTailNames`).
        generator.longTailNames = environment["NEARDUP_BENCH_NAMES"] == "long"
        var random = SeededRandom(seed: reuse ? UInt64(getpid()) &+ 1 : 11)
        let base = Date(timeIntervalSince1970: 1_704_067_200)
        var events: [NewsEvent] = []
        var recent: [NewsArticle] = []
        var serial = 0

        func makeBatch(_ count: Int) -> [(String, [UInt8])] {
            (0..<count).map { _ in
                serial += 1
                // A tenth are copies of a recent article (last paragraph cut), the rest new articles, many on
                // recent events: the mix the daemon sees.
                var article: NewsArticle
                if !recent.isEmpty && random.chance(0.1) {
                    article = random.pick(recent)
                    if article.paragraphs.count > 3 { article.paragraphs.removeLast() }
                } else {
                    if events.isEmpty || random.chance(0.5) { events.append(generator.event(id: events.count, base: base)) }
                    article = generator.article(on: events[max(0, events.count - Int.random(in: 1...min(50, events.count), using: &random))])
                    recent.append(article)
                    if recent.count > 500 { recent.removeFirst(100) }
                }
                let text = Publishing.page(article, style: random.pick(PublisherStyle.allCases), city: "Lima",
                                           related: ["Markets rally", "Storm warning"], random: &random)
                return ("bench/\(getpid())-\(serial).txt", Array(text.utf8))
            }
        }

        // Wall seconds and the process's CPU seconds (user + system, every thread) for the whole step and for
        // the recording alone (nothing else runs in the process while a batch is recorded).
        struct Tally { var seconds = 0.0, recording = 0.0, cpu = 0.0, recordingCPU = 0.0, files = 0, duplicates = 0 }

        /// Ingests `count` files into `database` in batches of `batch`.
        func ingest(_ count: Int, batch: Int, into database: CorpusDatabase) throws -> Tally {
            var tally = Tally()
            var left = count
            while left > 0 {
                let files = makeBatch(min(batch, left))
                left -= files.count
                let start = Date()
                let startCPU = processCPUSeconds()
                try database.register(files.map { InboxCandidate(path: InboxPath($0.0), size: Int64($0.1.count), mtime: 0) }, now: start)
                let claimed = try database.claim(limit: files.count, worker: "bench", lease: 600, now: start)
                let byName = Dictionary(uniqueKeysWithValues: files.map { ($0.0, $0.1) })
                let results = UnsafeMutableBufferPointer<ProcessedItem?>.allocate(capacity: claimed.count)
                results.initialize(repeating: nil)
                defer {
                    _ = results.deinitialize()
                    results.deallocate()
                }
                nonisolated(unsafe) let slots = results
                DispatchQueue.concurrentPerform(iterations: claimed.count) { i in
                    let bytes = byName[claimed[i].path.description]!
                    slots[i] = ProcessedItem(item: claimed[i], rawHash: Digest.sha256(bytes),
                                             result: pipeline.process(SourceFile(name: "x.txt", bytes: bytes)).mapError(IntakeFailure.pipeline))
                }
                let recordStart = Date()
                let recordStartCPU = processCPUSeconds()
                let recorded = try database.record(results.map { $0! }, now: Date(), policy: policy)
                let endCPU = processCPUSeconds()
                tally.recording += Date().timeIntervalSince(recordStart)
                tally.seconds += Date().timeIntervalSince(start)
                tally.recordingCPU += endCPU - recordStartCPU
                tally.cpu += endCPU - startCPU
                tally.files += files.count
                tally.duplicates += recorded.filter { $0.outcome.state == .duplicate }.count
            }
            return tally
        }

        var databases: [(size: Int, database: CorpusDatabase, path: String)] = []
        for size in sizes.sorted() {
            let path = folder + "/corpus-\(size).sqlite"
            if !reuse { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            let database = try CorpusDatabase.open(path: path)
            // Measured with the band index's filter filled, as a daemon runs a few seconds after it starts.
            database.waitForBandFilter()
            let started = Date()
            var documents = 0
            if reuse { documents = try database.counts().documents }
            while !reuse && documents < size {
                _ = try ingest(min(2_000, max(64, size - documents)), batch: 512, into: database)
                documents = try database.counts().documents
                FileHandle.standardError.write(Data("\r\(size): \(documents) documents, \(Int(Date().timeIntervalSince(started))) s".utf8))
            }
            FileHandle.standardError.write(Data("\n".utf8))
            databases.append((documents, database, path))
        }

        var tallies = Array(repeating: Tally(), count: databases.count)
        for round in 1...rounds {
            for (index, entry) in databases.enumerated() {
                let t = try ingest(perRound, batch: 64, into: entry.database)
                tallies[index].seconds += t.seconds
                tallies[index].recording += t.recording
                tallies[index].cpu += t.cpu
                tallies[index].recordingCPU += t.recordingCPU
                tallies[index].files += t.files
                tallies[index].duplicates += t.duplicates
            }
            FileHandle.standardError.write(Data("\rround \(round)/\(rounds)".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print("| stored documents | files measured | of which duplicates | files/s, pipeline + record | files/s, record alone | ms per file in record | CPU µs per file, pipeline + record | CPU µs per file in record | database |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (index, entry) in databases.enumerated() {
            let t = tallies[index]
            let bytes = (try? FileManager.default.attributesOfItem(atPath: entry.path)[.size] as? Int) ?? 0
            print(String(format: "| %d | %d | %d | %.0f | %.0f | %.3f | %.0f | %.0f | %d MiB |", entry.size, t.files, t.duplicates,
                         Double(t.files) / t.seconds, Double(t.files) / t.recording, t.recording * 1000 / Double(t.files),
                         t.cpu * 1e6 / Double(t.files), t.recordingCPU * 1e6 / Double(t.files), bytes / 1_048_576))
        }
        if tallies.count >= 2 {
            let (small, large) = (tallies[0], tallies[tallies.count - 1])
            let wall = (Double(large.files) / large.seconds) / (Double(small.files) / small.seconds)
            let cpu = (Double(large.files) / large.cpu) / (Double(small.files) / small.cpu)
            print(String(format: "\nthroughput at the largest size is %.1f%% of the smallest's (wall); %.1f%% in files per CPU second", wall * 100, cpu * 100))
        }
        if directory == nil { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// CPU seconds (user + system) the process has used so far, over all its threads.
    static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    // MARK: fill

    /// Fills the state folder `state` (its `corpus.sqlite`) with every file under `source`, in path order, as the
    /// daemon ingests them: register, claim, read + pipeline (built-in taxonomy, no learned model) in parallel,
    /// `CorpusDatabase.record` in batches of `batch`, then the originals noted as moved to archive/ (they are
    /// left where they are: the caller deletes them). Recording batch n overlaps the pipeline of batch n + 1,
    /// so a large corpus (1 M documents for the query measurements) builds in CPU time, not in the sum of both.
    static func fill(state: String, from source: String, batch: Int = 512) throws {
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let database = try CorpusDatabase.open(path: state + "/corpus.sqlite")
        var paths: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: source)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: source + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                paths.append(relative)
            }
        }
        paths.sort()
        let started = Date()
        try database.register(paths.map { InboxCandidate(path: InboxPath($0), size: 0, mtime: 0) }, now: started)
        let pipeline = ArticlePipeline()
        let recorder = DispatchQueue(label: "fill.record")
        let inFlight = DispatchSemaphore(value: 1)
        let failure = Mutex<(any Error)?>(nil)
        var done = 0
        while failure.withLock({ $0 == nil }) {
            let claimed = try database.claim(limit: batch, worker: "fill", lease: 86_400, now: Date())
            if claimed.isEmpty { break }
            let processed = parallelMap(claimed) { item -> ProcessedItem in
                let bytes = FileManager.default.contents(atPath: source + "/" + item.path.description).map { [UInt8]($0) } ?? []
                return ProcessedItem(item: item, rawHash: Digest.sha256(bytes),
                                     result: pipeline.process(SourceFile(name: item.path.fileName, bytes: bytes))
                                         .mapError(IntakeFailure.pipeline))
            }
            inFlight.wait()
            recorder.async {
                defer { inFlight.signal() }
                do {
                    let recorded = try database.record(processed, now: Date())
                    try database.markDisposed(recorded.map { ($0.id, Array("archive/".utf8) + $0.path.bytes) }, now: Date())
                } catch {
                    failure.withLock { $0 = error }
                }
            }
            done += claimed.count
            if done % (batch * 8) < batch {
                FileHandle.standardError.write(Data(String(format: "\r%d of %d files, %.0f files/s", done, paths.count,
                                                           Double(done) / Date().timeIntervalSince(started)).utf8))
            }
        }
        // The last batch's recording is done once its slot comes back; give it back so the semaphore ends as it began.
        inFlight.wait()
        inFlight.signal()
        if let error = failure.withLock({ $0 }) { throw error }
        FileHandle.standardError.write(Data(String(format: "\r%d files in %.1f s\n", done, Date().timeIntervalSince(started)).utf8))
    }

    /// `map` over both cores, results in order.
    static func parallelMap<T: Sendable, R: Sendable>(_ elements: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: elements.count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: elements.count) { slots[$0] = transform(elements[$0]) }
        return results.map { $0! }
    }
}
