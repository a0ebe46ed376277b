import Foundation

/// What corpusctl can ask the running daemon. One JSON object per line, discriminated by `op`:
///
///     {"op":"status"}
///     {"op":"retry","ids":[12,13]}      {"op":"retry","all_failed":true}
///     {"op":"rescan"}   {"op":"metrics"}   {"op":"reload"}   {"op":"reclassify"}   {"op":"dedup_recheck","threshold":0.8}
///
/// The daemon answers with zero or more `progress` lines, then exactly one `done` or `error` line.
public enum ControlRequest: Sendable, Hashable {
    case status
    case retry(ids: [Int64])
    case retryAllFailed
    case rescan
    case reload
    case reclassify
    case dedupRecheck(threshold: Double?)
    /// The daemon's counters and histograms, as Prometheus text in `text`.
    case metrics
    /// A person gives or confirms tags on a document: they become declared tags (training labels that
    /// reclassification keeps).
    case confirmTags(document: Int64, tags: [String])
    /// A person removes tags from a document and rejects them there for good (`{"op":"untag"}`).
    case rejectTags(document: Int64, tags: [String])

    public var op: String {
        switch self {
        case .status: return "status"
        case .retry, .retryAllFailed: return "retry"
        case .rescan: return "rescan"
        case .reload: return "reload"
        case .reclassify: return "reclassify"
        case .dedupRecheck: return "dedup_recheck"
        case .metrics: return "metrics"
        case .confirmTags: return "tag"
        case .rejectTags: return "untag"
        }
    }
}

extension ControlRequest: Codable {
    private enum Keys: String, CodingKey { case op, ids, allFailed, threshold, document, tags }  // snake_case on the wire via the corpus coders

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let op = try c.decode(String.self, forKey: .op)
        switch op {
        case "status": self = .status
        case "retry":
            if try c.decodeIfPresent(Bool.self, forKey: .allFailed) == true {
                self = .retryAllFailed
            } else {
                self = .retry(ids: try c.decode([Int64].self, forKey: .ids))
            }
        case "rescan": self = .rescan
        case "reload": self = .reload
        case "reclassify": self = .reclassify
        case "dedup_recheck": self = .dedupRecheck(threshold: try c.decodeIfPresent(Double.self, forKey: .threshold))
        case "metrics": self = .metrics
        case "tag":
            self = .confirmTags(document: try c.decode(Int64.self, forKey: .document), tags: try c.decode([String].self, forKey: .tags))
        case "untag":
            self = .rejectTags(document: try c.decode(Int64.self, forKey: .document), tags: try c.decode([String].self, forKey: .tags))
        default:
            throw DecodingError.dataCorruptedError(forKey: .op, in: c, debugDescription: "unknown op '\(op)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(op, forKey: .op)
        switch self {
        case .retry(let ids): try c.encode(ids, forKey: .ids)
        case .retryAllFailed: try c.encode(true, forKey: .allFailed)
        case .dedupRecheck(let threshold): try c.encodeIfPresent(threshold, forKey: .threshold)
        case .confirmTags(let document, let tags), .rejectTags(let document, let tags):
            try c.encode(document, forKey: .document)
            try c.encode(tags, forKey: .tags)
        default: break
        }
    }
}

/// One line of the daemon's answer.
public enum ControlReply: Sendable, Hashable {
    case progress(done: Int, total: Int, message: String?)
    case done(JSONValue)
    case error(String)
}

extension ControlReply: Codable {
    private enum Keys: String, CodingKey { case kind, done, total, message, result, error }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "progress":
            self = .progress(done: try c.decode(Int.self, forKey: .done), total: try c.decode(Int.self, forKey: .total),
                             message: try c.decodeIfPresent(String.self, forKey: .message))
        case "done": self = .done(try c.decodeIfPresent(JSONValue.self, forKey: .result) ?? .null)
        default: self = .error(try c.decodeIfPresent(String.self, forKey: .error) ?? "unknown error")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .progress(let done, let total, let message):
            try c.encode("progress", forKey: .kind)
            try c.encode(done, forKey: .done)
            try c.encode(total, forKey: .total)
            try c.encodeIfPresent(message, forKey: .message)
        case .done(let result):
            try c.encode("done", forKey: .kind)
            try c.encode(result, forKey: .result)
        case .error(let message):
            try c.encode("error", forKey: .kind)
            try c.encode(message, forKey: .error)
        }
    }
}

/// Any JSON value, for results whose shape depends on the request.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var int: Int? { if case .number(let n) = self { return Int(n) }; return nil }
    public var double: Double? { if case .number(let n) = self { return n }; return nil }
    public var string: String? { if case .string(let s) = self { return s }; return nil }

    /// Encodes any Encodable value as a JSONValue (through corpusd's JSON encoder).
    public static func from<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder.corpus.encode(value))
    }
}
