import Foundation

/// The tag model's features of a text — its words (stop words, one-character words and bare numbers
/// left out) and adjacent word pairs — as byte ranges of the normalized text, without a `String` each.
///
/// Gives exactly the features of `TagModel.features(title:body:)`: a word is a run between spaces of
/// `Normalizer.normalize`'s output, and a pair is the bytes from the first word's start to the second's
/// end (normalized text has exactly one space between words). Text whose normalized form is ASCII is
/// split byte by byte; any other text is split by `Character`, as the reference does, and only then
/// read as bytes.
struct TagFeatureText {
    /// The normalized title, then the normalized body.
    let bytes: [UInt8]
    /// Every feature occurrence (repeats included), in text order.
    let occurrences: [Range<Int>]

    init(title: String, body: String) {
        var bytes: [UInt8] = []
        var occurrences: [Range<Int>] = []
        for text in [title, body] {
            let normalized = Normalizer.normalize(text)
            let base = bytes.count
            bytes.append(contentsOf: normalized.utf8)
            if !Self.asciiWords(bytes, from: base, into: &occurrences) {
                Self.unicodeWords(normalized, base: base, into: &occurrences)
            }
        }
        self.bytes = bytes
        self.occurrences = occurrences
    }

    /// Byte-level split of `bytes[from...]` when it is all ASCII; false (and nothing added) otherwise.
    private static func asciiWords(_ bytes: [UInt8], from base: Int, into out: inout [Range<Int>]) -> Bool {
        bytes.withUnsafeBufferPointer { all -> Bool in
            let text = UnsafeBufferPointer(rebasing: all[base...])
            guard !text.contains(where: { $0 >= 0x80 }) else { return false }
            var previous: Int?  // start of the previous kept word
            var start = 0
            while start < text.count {
                var end = start
                while end < text.count && text[end] != 0x20 { end += 1 }
                let word = UnsafeBufferPointer(rebasing: text[start..<end])
                if word.count > 1 && !StopWords.contains(word) && !word.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    out.append((base + start)..<(base + end))
                    if let previous { out.append((base + previous)..<(base + end)) }
                    previous = start
                } else {
                    previous = nil
                }
                start = end + 1
            }
            return true
        }
    }

    /// The reference split (`Character`s), read back as byte offsets into the normalized text.
    private static func unicodeWords(_ normalized: String, base: Int, into out: inout [Range<Int>]) {
        let utf8 = normalized.utf8
        var previous: Int?
        for word in normalized.split(separator: " ") {
            guard word.count > 1, !TagModel.stopWords.contains(word), !word.allSatisfy(\.isNumber) else {
                previous = nil
                continue
            }
            let start = base + utf8.distance(from: utf8.startIndex, to: word.startIndex)
            let end = start + word.utf8.count
            out.append(start..<end)
            if let previous { out.append(previous..<end) }
            previous = start
        }
    }

    /// `TagModel.stopWords` as packed bytes: every stop word is ASCII and at most 8 bytes long.
    enum StopWords {
        static let packed: Set<UInt64> = Set(TagModel.stopWords.map { pack($0.utf8) })

        static func contains(_ word: UnsafeBufferPointer<UInt8>) -> Bool {
            word.count <= 8 && packed.contains(pack(word))
        }

        private static func pack<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
            bytes.reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}

/// A 64-bit hash of a byte string, the same for the same bytes in every process (unlike `Hasher`).
enum FeatureHash {
    @inline(__always)
    static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {
            let chunk = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[i..<(i + 8)]).loadUnaligned(as: UInt64.self)
            h = (h ^ chunk) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        while i < bytes.count {
            tail = tail << 8 | UInt64(bytes[i])
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }
}

/// Byte strings ↔ dense ids 0, 1, 2 …, exact (a hash hit is confirmed by comparing the bytes).
/// Open addressing with linear probing; the bytes live in one arena.
struct FeatureInterner: Sendable {
    private var arena: [UInt8] = []
    /// Per id: where its bytes start in `arena` (they end where the next id's start).
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// id + 1 per slot; 0 is empty.
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { hashes.count }

    /// The id of `bytes`, or nil when it was never added.
    func id(of bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let id = Int(entry - 1)
            if hashes[id] == hash && equal(id, bytes) { return Int32(id) }
            slot = (slot + 1) & mask
        }
    }

    /// The id of `bytes`, adding it when new.
    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32 {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let id = Int(entry - 1)
            if hashes[id] == hash && equal(id, bytes) { return Int32(id) }
            slot = (slot + 1) & mask
        }
        let id = hashes.count
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        hashes.append(hash)
        slots[slot] = Int32(id + 1)
        if hashes.count * 2 > slots.count { grow() }
        return Int32(id)
    }

    mutating func add(_ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { add($0, hash: FeatureHash.of($0)) }
    }

    func string(_ id: Int32) -> String {
        String(decoding: arena[starts[Int(id)]..<starts[Int(id) + 1]], as: UTF8.self)
    }

    private func equal(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[id], end = starts[id + 1]
        guard end - start == bytes.count else { return false }
        return arena.withUnsafeBufferPointer { arena in
            bytes.isEmpty || memcmp(arena.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id + 1)
        }
    }
}
