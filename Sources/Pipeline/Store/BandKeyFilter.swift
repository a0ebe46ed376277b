import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import Logging
import Synchronization

/// Which keys the band index's older levels (middle and last) may hold: a Bloom filter of fixed size in memory, so
/// that a look-up reads them only for the keys it may find there, and the recent level (small, cached) for the others.
///
/// The older levels hold nearly all of the band index (at 200 k documents 5.9 M rows, 110 MB, in the last), and a
/// probe of either reads a leaf that no page cache holds: a look-up made ahead starts each snapshot with an empty
/// cache. Yet nearly every key of a new document is under no row at all: of 300 documents of the 200 k-document lab
/// corpus, 210 of their 7,500 keys found one. Read for every key, these levels made the look-up the fastest-growing
/// part of the ingest's cost (BENCHMARKS.md, "The WAL written over in place, a filter of the band index's keys").
///
/// The filter is set from both levels once (`fill`, in chunks, off the writer) and each merge sets the keys it moves
/// out of the recent level (`CorpusDatabase.mergeBandLevels`); a key removed stays set, which costs a probe, never a
/// match. Until it is filled every key may be there. Its size is fixed, chosen for the daemon's memory (< 100 MB
/// resident), not for the corpus: with 25 keys per document, one absent key in 40 is still read at 200 k documents,
/// one in ten at 500 k and one in four at 1 M (a simulation of this filter). At 2 MiB it was one in five, three in
/// five and nine in ten: at 1.17 M documents the ingest spent 4.5 % more CPU (BENCHMARKS.md, "A band key filter
/// four times larger").
///
/// Valid only in the process that files band keys (the daemon, which holds its state folder's lock): a merge made
/// by another process would not set its keys here.
final class BandKeyFilter: @unchecked Sendable {
    /// 8 MiB of bits.
    static let standardBytes = 8 << 20

    // @unchecked: the words are only reached through their atomic operations, and freed in deinit.
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let wordCount: Int
    private let filled = Atomic<Bool>(false)
    private let background = DispatchGroup()

    /// A filter of `bytes` (rounded down to a power of two, at least one word), empty and not yet filled.
    init(bytes: Int = standardBytes) {
        var count = 1
        while count * 2 * 8 <= bytes { count *= 2 }
        wordCount = count
        words = .allocate(capacity: count)
        for i in 0..<count { (words + i).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: wordCount)
        words.deallocate()
    }

    /// Two bits of one word: a probe reads one word.
    private func slot(_ key: Int64) -> (word: Int, bits: UInt64) {
        let h = UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15
        return (Int(truncatingIfNeeded: h >> 40) & (wordCount - 1), 1 << ((h >> 20) & 63) | 1 << ((h >> 26) & 63))
    }

    /// Sets a key. A merge sets its keys before it commits, and SQLite's own barriers come between that commit and any
    /// snapshot that holds it: a reader that sees a key in the middle or last level sees it set here.
    func insert(_ key: Int64) {
        let (word, bits) = slot(key)
        words[word].bitwiseOr(bits, ordering: .relaxed)
    }

    /// False only when the key is under no row of the middle or last level; always true until the filter is filled.
    func mayContain(_ key: Int64) -> Bool {
        guard filled.load(ordering: .acquiring) else { return true }
        let (word, bits) = slot(key)
        return words[word].load(ordering: .relaxed) & bits == bits
    }

    var isFilled: Bool { filled.load(ordering: .acquiring) }

    /// Sets every key of the middle and last levels, `chunk` keys to a read transaction (no snapshot is held for long:
    /// the WAL can start over between two), then counts the filter as filled. A merge meanwhile sets the keys it moves
    /// out of the recent level itself, so that none is missed whichever chunk it falls in (a sweep moves keys from the
    /// middle level to the last: set either way). `between` runs between chunks (tests). Returns the keys read.
    @discardableResult
    func fill(from database: CorpusDatabase, chunk: Int = 100_000, between: () throws -> Void = {}) throws -> Int {
        var count = 0
        for table in ["near_band_middle", "near_band"] {
            var after: Int64?
            while true {
                // Read straight off the statement (`forEachRowDirect`): through GRDB's cursor and arrays, a quarter of
                // the fill's CPU (~4 s at 1 M documents) was theirs.
                let (read, last) = try database.writer.read { db -> (Int, Int64?) in
                    let statement = try db.cachedStatement(sql: after == nil
                        ? "SELECT DISTINCT key FROM \(table) ORDER BY key LIMIT ?"
                        : "SELECT DISTINCT key FROM \(table) WHERE key > ? ORDER BY key LIMIT ?")
                    var read = 0
                    var last: Int64?
                    try statement.forEachRowDirect(after.map { [$0, Int64(chunk)] } ?? [Int64(chunk)]) { row in
                        let key = sqlite3_column_int64(row, 0)
                        insert(key)
                        read += 1
                        last = key
                    }
                    return (read, last)
                }
                count += read
                guard let last, read == chunk else { break }
                after = last
                try between()
            }
        }
        filled.store(true, ordering: .releasing)
        return count
    }

    /// `fill` on a background queue; a failure leaves the filter unfilled (every key is read, as without one).
    func fillInBackground(from database: CorpusDatabase, logger: Logger) {
        background.enter()
        DispatchQueue.global(qos: .utility).async { [self] in
            defer { background.leave() }
            let started = ContinuousClock.now
            do {
                let keys = try fill(from: database)
                logger.debug("band key filter filled", metadata: [
                    "keys": "\(keys)", "seconds": "\((ContinuousClock.now - started).formatted(.units(allowed: [.seconds])))",
                ])
            } catch {
                logger.warning("band key filter not filled: every look-up reads all the band index's levels",
                               metadata: ["error": "\(error)"])
            }
        }
    }

    /// Waits for a `fillInBackground` running (benchmarks, which measure the filled filter).
    func waitForBackgroundFill() { background.wait() }
}
