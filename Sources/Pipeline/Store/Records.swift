import Foundation

/// A path relative to the inbox, kept as the raw bytes the file system gave: names need not be UTF-8.
public struct InboxPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// For display and logs only: invalid bytes are shown as U+FFFD.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The last component.
    public var fileName: String {
        let last = bytes.split(separator: UInt8(ascii: "/")).last.map(Array.init) ?? bytes
        return String(decoding: last, as: UTF8.self)
    }

    /// The folders between the inbox and the file, outermost first.
    public var folders: [String] {
        bytes.split(separator: UInt8(ascii: "/")).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }

    public func appending(_ component: [UInt8]) -> InboxPath {
        InboxPath(bytes: bytes.isEmpty ? component : bytes + [UInt8(ascii: "/")] + component)
    }

    public static func < (a: InboxPath, b: InboxPath) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

public enum ItemState: String, Sendable, Codable, CaseIterable {
    case pending, processing, stored, duplicate, failed
}

public enum DuplicateKind: String, Sendable, Codable {
    /// The file's bytes are identical to a file already seen.
    case exactBytes = "exact-bytes"
    /// The normalized body text is identical to a stored document's.
    case sameText = "same-text"
    /// The body is nearly the same as a stored document's.
    case near
}

/// How one file ended. Every item reaches exactly one of these.
public enum ItemOutcome: Sendable, Hashable {
    case stored(documentID: Int64)
    case duplicate(of: Int64, kind: DuplicateKind, similarity: Double)
    case failed(reason: String)

    public var state: ItemState {
        switch self {
        case .stored: return .stored
        case .duplicate: return .duplicate
        case .failed: return .failed
        }
    }
}

/// A file the inbox watcher saw and found settled.
public struct InboxCandidate: Sendable, Hashable {
    public var path: InboxPath
    public var size: Int64
    public var mtime: Double

    public init(path: InboxPath, size: Int64, mtime: Double) {
        self.path = path
        self.size = size
        self.mtime = mtime
    }
}

/// An item taken from the queue by one worker.
public struct ClaimedItem: Sendable, Hashable {
    public var id: Int64
    public var path: InboxPath
    public var size: Int64
    public var attempts: Int
}

/// A claimed item after reading and the pipeline: ready to be recorded.
public struct ProcessedItem: Sendable {
    public var item: ClaimedItem
    public var rawHash: Digest?
    public var result: Result<ExtractedArticle, IntakeFailure>
    /// Its near-duplicate look-up, made ahead on a reader's snapshot (`CorpusDatabase.nearMatchesAhead`), if it was.
    public var nearAhead: NearMatchAhead?

    public init(item: ClaimedItem, rawHash: Digest?, result: Result<ExtractedArticle, IntakeFailure>,
                nearAhead: NearMatchAhead? = nil)
    {
        self.item = item
        self.rawHash = rawHash
        self.result = result
        self.nearAhead = nearAhead
    }
}

/// A recorded item: what the ingestor must now do with the original file.
public struct RecordedItem: Sendable, Hashable {
    public var id: Int64
    public var path: InboxPath
    public var outcome: ItemOutcome
    /// When the file was first seen in the inbox, for the ingest latency.
    public var firstSeen: Date?
}

/// An item whose outcome is recorded but whose original has not been moved yet.
public struct UndisposedItem: Sendable, Hashable {
    public var id: Int64
    public var path: InboxPath
    public var state: ItemState
    /// The destination chosen before the move (relative to the state folder), if one was recorded:
    /// the original may already be there.
    public var destination: [UInt8]?
}

/// A document as `corpusctl list` shows it.
public struct DocumentSummary: Sendable, Hashable, Codable {
    public var id: Int64
    public var title: String
    public var source: String?
    public var published: String?
    public var byline: String?
    public var url: String?
    public var tags: [String]
    public var file: String
    public var ingestedAt: Date
    public var wordCount: Int
}

/// What `list` asks for.
public struct DocumentQuery: Sendable, Hashable {
    /// Documents must carry every one of these tags (slugs).
    public var allTags: [String]
    public var limit: Int
    public var offset: Int

    public init(allTags: [String] = [], limit: Int = 50, offset: Int = 0) {
        self.allTags = allTags
        self.limit = limit
        self.offset = offset
    }
}

/// Counts for `corpusctl status`.
public struct CorpusCounts: Sendable, Hashable, Codable {
    public var items: [ItemState: Int]
    public var documents: Int
    public var lastIngest: Date?
    public var oldestPending: Date?
    public var retrying: Int

    public func count(_ state: ItemState) -> Int { items[state] ?? 0 }
}
