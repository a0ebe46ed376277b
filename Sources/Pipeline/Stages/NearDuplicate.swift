/// Near-duplicate fingerprints: shingles of the normalized body, their MinHash signature, and the
/// LSH band keys under which a document is filed so that a look-up is a few index probes.
///
/// Everything here is deterministic across processes and machines (no seeded `Hasher`): band keys
/// are stored in the database and must mean the same thing after a restart or on another node.
public struct NearDuplicateParameters: Sendable, Hashable, Codable {
    /// How a body becomes a set of features.
    public enum Shingling: Sendable, Hashable, Codable {
        /// Every run of `size` consecutive words.
        case words(size: Int)
        /// SpotSigs (Theobald et al., SIGIR 2008): at every occurrence of an antecedent stopword, the
        /// stopword followed by the next `chain` words that are not stopwords. Boilerplate is mostly
        /// stopword-poor, so it contributes few signatures; running prose contributes many.
        case spotSignatures(chain: Int)
    }

    public var shingling: Shingling
    /// LSH: the signature has `bands × rows` MinHash values; two documents become candidates when
    /// all `rows` values of at least one band agree. The candidate threshold is about (1/bands)^(1/rows).
    public var bands: Int
    public var rows: Int

    public init(shingling: Shingling, bands: Int, rows: Int) {
        self.shingling = shingling
        self.bands = bands
        self.rows = rows
    }

    public var permutations: Int { bands * rows }

    /// The parameters corpusd stores band keys with, chosen on the labelled set (`neardup-lab eval`,
    /// BENCHMARKS.md): 5-word shingles separate copies from other articles as well as SpotSigs there and
    /// better than shorter shingles; 25 bands of 4 rows (100 values) put the LSH candidate threshold near
    /// Jaccard 0.45, so that at the 0.7 verification threshold P(candidate) ≈ 0.999 while candidates stay few.
    public static let standard = NearDuplicateParameters(shingling: .words(size: 5), bands: 25, rows: 4)
}

/// One body's near-duplicate fingerprint.
public struct NearDuplicateFingerprint: Sendable, Hashable {
    /// Distinct shingle hashes, ascending.
    public var shingles: [UInt64]
    /// MinHash values, `parameters.permutations` of them (empty when the body has no shingle).
    public var minHash: [UInt32]
    /// One key per band (empty when the body has no shingle), each already mixed with its band number.
    public var bandKeys: [Int64]
}

public enum NearDuplicate {
    /// The fingerprint of a body already passed through `Normalizer.normalize`.
    public static func fingerprint(normalizedBody: String, parameters: NearDuplicateParameters = .standard)
        -> NearDuplicateFingerprint
    {
        let features = shingles(normalizedBody: normalizedBody, shingling: parameters.shingling)
        let signature = minHash(features, permutations: parameters.permutations)
        return NearDuplicateFingerprint(shingles: features, minHash: signature,
                                        bandKeys: bandKeys(signature, bands: parameters.bands, rows: parameters.rows))
    }

    /// Distinct shingle hashes of a normalized body, ascending. A body shorter than one shingle
    /// yields its whole word sequence as a single shingle, so that short texts still compare.
    public static func shingles(normalizedBody: String, shingling: NearDuplicateParameters.Shingling) -> [UInt64] {
        let words = wordHashes(normalizedBody)
        guard !words.isEmpty else { return [] }
        var out: [UInt64] = []
        switch shingling {
        case .words(let size):
            if words.count <= size { return [combine(words[...])] }
            out.reserveCapacity(words.count - size + 1)
            for start in 0...(words.count - size) { out.append(combine(words[start..<(start + size)])) }
        case .spotSignatures(let chain):
            let isStop = words.map(stopwordHashes.contains)
            for index in words.indices where antecedentHashes.contains(words[index]) {
                var chainWords: [UInt64] = [words[index]]
                var next = index + 1
                while chainWords.count <= chain && next < words.count {
                    if !isStop[next] { chainWords.append(words[next]) }
                    next += 1
                }
                if chainWords.count == chain + 1 { out.append(combine(chainWords[...])) }
            }
            if out.isEmpty { out.append(combine(words[...])) }
        }
        out.sort()
        return dedupeSorted(out)
    }

    /// `fnv1a` of each word of a normalized body, in order; by bytes when the body is ASCII.
    static func wordHashes(_ normalizedBody: String) -> [UInt64] {
        guard let ranges = Normalizer.asciiWordRanges(normalizedBody) else {
            return normalizedBody.split(separator: " ").map { fnv1a($0.utf8) }
        }
        var body = normalizedBody
        return body.withUTF8 { bytes in ranges.map { fnv1a(UnsafeBufferPointer(rebasing: bytes[$0])) } }
    }

    /// MinHash by multiply-shift hashing: value i is the minimum over the set of the top 32 bits of
    /// `a_i · x + b_i` (mod 2^64) with fixed odd `a_i`.
    public static func minHash(_ shingles: [UInt64], permutations: Int) -> [UInt32] {
        guard !shingles.isEmpty else { return [] }
        let (a, b) = coefficients(permutations)
        var minima = [UInt32](repeating: .max, count: permutations)
        minima.withUnsafeMutableBufferPointer { m in
            for x in shingles {
                let mixed = mix(x)
                for i in 0..<permutations {
                    let v = UInt32(truncatingIfNeeded: (a[i] &* mixed &+ b[i]) >> 32)
                    if v < m[i] { m[i] = v }
                }
            }
        }
        return minima
    }

    /// One 64-bit key per band: the band's values and the band's number, hashed together.
    public static func bandKeys(_ minHash: [UInt32], bands: Int, rows: Int) -> [Int64] {
        guard minHash.count >= bands * rows else { return [] }
        return (0..<bands).map { band in
            var h = mix(UInt64(band) &+ 0x9E37_79B9_7F4A_7C15)
            for row in 0..<rows { h = mix(h ^ UInt64(minHash[band * rows + row])) &* 0x100_0000_01B3 }
            return Int64(bitPattern: mix(h))
        }
    }

    /// LSH candidates in the order they are verified: the most shared bands first, then the newest (the larger
    /// id): a re-scraped or syndicated copy usually arrives soon after its original.
    public static func rankCandidates<ID: BinaryInteger>(_ sharedBands: [ID: Int]) -> [ID] {
        sharedBands.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key > $1.key }.map(\.key)
    }

    /// One byte of each MinHash value (b-bit MinHash, Li and König 2010): 100 bytes a document that are enough
    /// to tell whether two documents could be near-duplicates at all, before their shingles are compared.
    public static func screenSignature(_ minHash: [UInt32]) -> [UInt8] {
        minHash.map { UInt8(truncatingIfNeeded: $0) }
    }

    /// False when two screen signatures agree on so few values that Jaccard similarity `threshold` is out of
    /// reach. Agreements are Binomial(n, J + (1 − J)/256); requiring n·(threshold − 0.2) of them loses a pair
    /// at J = threshold with probability below 10⁻⁵ at n = 100 (4.5 standard deviations), while unrelated
    /// documents (J ≈ 0.05: about 5 agreements) are set aside without reading their bodies.
    public static func mayReach(_ threshold: Double, _ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return true }
        var agreements = 0
        for index in a.indices where a[index] == b[index] { agreements += 1 }
        return Double(agreements) >= Double(a.count) * (threshold - 0.2)
    }

    /// |A ∩ B| / |A ∪ B| of two ascending, distinct shingle lists.
    public static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        let common = intersectionCount(a, b)
        return Double(common) / Double(a.count + b.count - common)
    }

    /// The share of agreeing MinHash values: an unbiased estimate of the Jaccard similarity.
    public static func estimatedJaccard(_ a: [UInt32], _ b: [UInt32]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        return Double(zip(a, b).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }) / Double(a.count)
    }

    static func intersectionCount(_ a: [UInt64], _ b: [UInt64]) -> Int {
        var i = 0, j = 0, common = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { common += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return common
    }

    // MARK: hashing

    static func fnv1a<S: Sequence<UInt8>>(_ bytes: S) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }

    /// splitmix64's finalizer: a bijection that spreads every input bit over the output.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func combine(_ words: ArraySlice<UInt64>) -> UInt64 {
        var h: UInt64 = 0x2545_F491_4F6C_DD1D
        for word in words { h = mix(h ^ word) }
        return h
    }

    /// Fixed pseudo-random coefficients, the same in every process.
    static func coefficients(_ count: Int) -> (a: [UInt64], b: [UInt64]) {
        var state: UInt64 = 0x5EED_0F_C0_4B_05_D0
        var a: [UInt64] = [], b: [UInt64] = []
        for _ in 0..<count {
            state = state &+ 0x9E37_79B9_7F4A_7C15
            a.append(mix(state) | 1)
            state = state &+ 0x9E37_79B9_7F4A_7C15
            b.append(mix(state))
        }
        return (a, b)
    }

    static func dedupeSorted(_ sorted: [UInt64]) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(sorted.count)
        for value in sorted where out.last != value { out.append(value) }
        return out
    }

    /// SpotSigs antecedents: frequent function words that open most English clauses.
    static let antecedentHashes: Set<UInt64> = Set(
        ["a", "an", "the", "is", "was", "were", "are", "be", "been", "has", "have", "had", "said", "says", "there",
         "will", "would", "to", "of", "in", "on", "for", "that", "it", "its", "with", "by", "at", "from"]
            .map { fnv1a($0.utf8) })
    static let stopwordHashes: Set<UInt64> = Set(Stopwords.english.map { fnv1a($0.utf8) })
}
