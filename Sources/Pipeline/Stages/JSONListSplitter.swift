/// Cuts a JSON document that lists articles into its entries as the bytes arrive, so that a list of
/// 50,000 articles is never held whole: at any moment the splitter keeps the bytes of one entry (at most
/// `maxEntry` of them) and a stack of open brackets.
///
/// The list is the top-level array, or the first array of objects under a list key (`articles`, `items`,
/// `data`, `response` → `docs` …) of a wrapper object, as `JSONArticles` names them. The splitter only
/// tracks strings and brackets; each entry's bytes are parsed by the caller, so a malformed entry fails
/// alone. A document that turns out to hold no list (one article object) is handed back whole.
public struct JSONListSplitter {
    public enum Content: Sendable {
        case bytes([UInt8])
        /// The entry had this many bytes, more than `maxEntry`: skipped, not kept.
        case tooLarge(Int)
        /// The file ended inside this entry.
        case truncated
    }

    public enum Event {
        /// One entry of the list, numbered from 1 by its position.
        case entry(index: Int, Content)
        /// The document holds no list: its bytes, for the one-article path.
        case whole([UInt8])
    }

    private struct Frame {
        var isArray: Bool
        /// The key this container is the value of, in its parent object.
        var key: String?
        /// In an object: the next string is a key.
        var expectingKey = false
        /// In an object: the key just read.
        var lastKey: String?
    }

    private enum Mode {
        case searching
        /// An array under a list key was opened at this depth; its first value decides whether it is the list.
        case candidate(depth: Int)
        case streaming(depth: Int)
        case after
    }

    public let maxEntry: Int
    private var stack: [Frame] = []
    private var mode = Mode.searching
    private var inString = false
    private var escaped = false
    private var keyBytes: [UInt8]? = nil
    /// The whole document while no list has been found (it may be one article); nil once it outgrew `maxEntry`.
    private var whole: [UInt8]? = []
    private var entry: [UInt8] = []
    private var entrySize = 0
    private var index = 0
    private var offset = 0
    private var sawValue = false

    /// Bytes the splitter holds now, and the most it ever held: bounded by one entry (or one small
    /// wrapper), never by the file.
    public var held: Int { entry.count + (whole?.count ?? 0) }
    public private(set) var peakHeld = 0

    public init(maxEntry: Int) { self.maxEntry = maxEntry }

    static let listKeys: Set<String> = ["articles", "items", "results", "data", "entries", "posts", "stories", "docs", "hits", "news",
                                        "documents", "response"]

    public mutating func feed(_ bytes: ArraySlice<UInt8>, _ emit: (Event) -> Void) throws(PipelineError) {
        for byte in bytes {
            try step(byte, emit)
            offset += 1
        }
    }

    /// After the last byte. Throws when the document ends early or holds no JSON; entries before the break were emitted.
    public mutating func finish(_ emit: (Event) -> Void) throws(PipelineError) {
        switch mode {
        case .streaming:
            let complete = index
            if entrySize > 0 {
                index += 1
                emit(.entry(index: index, .truncated))
            }
            throw .corrupt("JSON: the file ends inside the list, after entry \(complete) (truncated)")
        case .after:
            if !stack.isEmpty { throw .corrupt("JSON: the file ends early, after the list (truncated)") }
        case .searching, .candidate:
            guard let whole else { throw .tooLarge(limit: Int64(maxEntry)) }
            guard sawValue else { throw .empty }
            emit(.whole(whole))
        }
    }

    private mutating func step(_ byte: UInt8, _ emit: (Event) -> Void) throws(PipelineError) {
        let depth = stack.count
        switch mode {
        case .searching, .candidate:
            if whole != nil {
                whole!.append(byte)
                if whole!.count > peakHeld { peakHeld = whole!.count }
                if whole!.count > maxEntry { whole = nil }
            }
        case .streaming(let listDepth) where depth > listDepth || inString:
            keep(byte)
        case .streaming:
            // At the list's own level: separators and the end of the list.
            switch byte {
            case UInt8(ascii: ","):
                emitEntry(emit)
                return
            case UInt8(ascii: "]"):
                if entrySize > 0 { emitEntry(emit) }
                stack.removeLast()
                mode = .after
                return
            case 0x20, 0x09, 0x0A, 0x0D:
                if entrySize == 0 { return }
                keep(byte)
            default:
                keep(byte)
            }
        case .after:
            break
        }

        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
                if let key = keyBytes {
                    stack[stack.count - 1].lastKey = String(decoding: key, as: UTF8.self)
                    stack[stack.count - 1].expectingKey = false
                    keyBytes = nil
                }
            } else if keyBytes != nil, keyBytes!.count < 64 {
                keyBytes!.append(byte)
            }
            return
        }
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D:
            return
        case UInt8(ascii: "\""):
            decideCandidate(opening: byte)
            inString = true
            if let top = stack.last, !top.isArray, top.expectingKey, isSearching { keyBytes = [] }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            decideCandidate(opening: byte)
            let isArray = byte == UInt8(ascii: "[")
            let key = stack.last.flatMap { $0.isArray ? nil : $0.lastKey }
            stack.append(Frame(isArray: isArray, key: key, expectingKey: !isArray))
            if isArray, case .searching = mode, isListPath() {
                mode = stack.count == 1 ? .streaming(depth: 1) : .candidate(depth: stack.count)
                if case .streaming = mode { whole = nil }
            }
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            decideCandidate(opening: byte)
            guard let top = stack.last, top.isArray == (byte == UInt8(ascii: "]")) else {
                throw .corrupt("JSON: a bracket that closes nothing open, at byte \(offset)")
            }
            stack.removeLast()
        case UInt8(ascii: ","):
            if let top = stack.last, !top.isArray { stack[stack.count - 1].expectingKey = true }
        case UInt8(ascii: ":"):
            break
        default:
            decideCandidate(opening: byte)
        }
        sawValue = true
    }

    private var isSearching: Bool {
        switch mode {
        case .searching, .candidate: return true
        default: return false
        }
    }

    /// The array just opened is the list when it is the document itself, or sits under list keys only,
    /// at most three objects deep.
    private func isListPath() -> Bool {
        if stack.count == 1 { return true }
        guard stack.count <= 4 else { return false }
        return stack.dropLast().allSatisfy { !$0.isArray } && stack.dropFirst().allSatisfy { $0.key.map(Self.listKeys.contains) ?? false }
    }

    /// The first value inside a candidate array: an object makes it the list; anything else (a list of
    /// strings, an empty list) does not, and the search goes on.
    private mutating func decideCandidate(opening byte: UInt8) {
        guard case .candidate(let depth) = mode, stack.count == depth else { return }
        if byte == UInt8(ascii: "{") {
            mode = .streaming(depth: depth)
            whole = nil
            keep(byte)
        } else {
            mode = .searching
        }
    }

    private mutating func keep(_ byte: UInt8) {
        entrySize += 1
        if entrySize <= maxEntry {
            entry.append(byte)
            if entry.count > peakHeld { peakHeld = entry.count }
        } else if !entry.isEmpty {
            entry.removeAll()
        }
    }

    private func trimmedEntry() -> ArraySlice<UInt8> {
        var slice = entry[...]
        while let last = slice.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { slice = slice.dropLast() }
        return slice
    }

    private mutating func emitEntry(_ emit: (Event) -> Void) {
        index += 1
        if entrySize > maxEntry {
            emit(.entry(index: index, .tooLarge(entrySize)))
        } else {
            emit(.entry(index: index, .bytes(Array(trimmedEntry()))))
        }
        entry.removeAll(keepingCapacity: true)
        entrySize = 0
    }
}
