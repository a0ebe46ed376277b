import CZlib

/// Streaming gzip decompression over zlib. Pure: compressed chunks in, decompressed chunks out.
/// Concatenated members (what `cat a.gz b.gz` makes) are read as one stream, as gzip(1) does.
/// The caller bounds the output: `Inflater` counts every byte it produces, so a gzip bomb is
/// refused as soon as it crosses the limit, without ever holding more than one chunk.
public final class Inflater {
    private var stream = z_stream()
    private var open = false
    private var finished = false
    public private(set) var produced: Int64 = 0
    public let limit: Int64

    public init(limit: Int64) throws(PipelineError) {
        self.limit = limit
        // 15 + 16: a gzip wrapper, up to a 32 KiB window.
        let code = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else { throw .corrupt("gzip: zlib could not start (\(code))") }
        open = true
    }

    deinit {
        if open { inflateEnd(&stream) }
    }

    /// True when the stream ended cleanly on a member boundary.
    public var isComplete: Bool { finished }

    /// Decompresses `input` and hands each produced piece to `output`.
    public func feed(_ input: ArraySlice<UInt8>, _ output: (ArraySlice<UInt8>) throws(PipelineError) -> Void) throws(PipelineError) {
        guard !input.isEmpty else { return }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        while !input.isEmpty {
            if finished {
                // Another member follows (or trailing garbage, which gzip(1) also tolerates when it is zeros).
                if input.allSatisfy({ $0 == 0 }) { return }
                guard inflateReset(&stream) == Z_OK else { throw .corrupt("gzip: could not read the next member") }
                finished = false
            }
            let consumed: Int
            let status: Int32
            let made: Int
            (consumed, status, made) = input.withUnsafeBufferPointer { inBuf in
                buffer.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress!)
                    stream.avail_in = UInt32(inBuf.count)
                    stream.next_out = outBuf.baseAddress!
                    stream.avail_out = UInt32(outBuf.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (inBuf.count - Int(stream.avail_in), status, outBuf.count - Int(stream.avail_out))
                }
            }
            input = input.dropFirst(consumed)
            if made > 0 {
                produced += Int64(made)
                if produced > limit { throw .tooLarge(limit: limit) }
                try output(buffer[..<made])
            }
            switch status {
            case Z_STREAM_END: finished = true
            case Z_OK: break
            case Z_BUF_ERROR where consumed == 0 && made == 0: return
            case Z_BUF_ERROR: break
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                throw .corrupt("gzip: \(message)")
            }
        }
    }

    /// Call after the last chunk: a stream cut short is an error, not a silently shorter file.
    public func finish() throws(PipelineError) {
        guard finished else { throw .corrupt("gzip: the compressed data ends too early (truncated file)") }
    }

    /// The whole of `bytes` decompressed, refusing output over `limit` bytes.
    public static func gunzip(_ bytes: [UInt8], limit: Int64) throws(PipelineError) -> [UInt8] {
        let inflater = try Inflater(limit: limit)
        var out: [UInt8] = []
        out.reserveCapacity(min(Int(limit), bytes.count * 4))
        try inflater.feed(bytes[...]) { (piece) throws(PipelineError) in out.append(contentsOf: piece) }
        try inflater.finish()
        return out
    }

    /// gzip's magic number.
    public static func isGzip<C: Collection<UInt8>>(_ head: C) -> Bool {
        var it = head.makeIterator()
        return it.next() == 0x1F && it.next() == 0x8B
    }

    /// As much of the start of a gzip stream as decompresses from `head` (for sniffing); errors give nil.
    public static func peek(_ head: ArraySlice<UInt8>, upTo count: Int) -> [UInt8]? {
        guard let inflater = try? Inflater(limit: Int64.max) else { return nil }
        var out: [UInt8] = []
        do {
            try inflater.feed(head) { (piece) throws(PipelineError) in
                out.append(contentsOf: piece)
                if out.count >= count { throw .corrupt("enough") }
            }
        } catch {
            if out.isEmpty { return nil }
        }
        return Array(out.prefix(count))
    }
}
