import Foundation
import Logging
import Yams

/// corpusd's settings as one source gives them (the config file, or the command line); nil means
/// "not given here". The config file is YAML with the same names as the flags:
///
///     state_dir: /var/lib/corpusd
///     poll: 2
///     log_level: info
///
/// The command line overrides the file (`file.overridden(by: flags)`); whatever neither gives takes
/// `DaemonConfig`'s default. Unknown keys are an error, so that a misspelt setting is not ignored.
public struct CorpusdSettings: Sendable, Hashable, Codable {
    public var stateDir: String?
    public var inbox: String?
    public var db: String?
    public var poll: Double?
    public var settle: Double?
    public var inotify: Bool?
    public var folderTags: Bool?
    public var maxFileSize: Int64?
    public var batchSize: Int?
    public var logLevel: Logger.Level?
    public var metricsFile: String?
    public var metricsInterval: Double?
    public var taxonomy: String?
    public var modelThreshold: Double?
    public var maxWatches: Int?
    /// A similarity in (0, 1], or "off".
    public var nearThreshold: String?
    /// Seconds a batch may go without recording anything before the daemon counts itself hung.
    public var hungAfter: Double?

    public init(stateDir: String? = nil, inbox: String? = nil, db: String? = nil, poll: Double? = nil,
                settle: Double? = nil, inotify: Bool? = nil, folderTags: Bool? = nil, maxFileSize: Int64? = nil,
                batchSize: Int? = nil, logLevel: Logger.Level? = nil, metricsFile: String? = nil,
                metricsInterval: Double? = nil, taxonomy: String? = nil, modelThreshold: Double? = nil,
                maxWatches: Int? = nil, nearThreshold: String? = nil, hungAfter: Double? = nil) {
        self.stateDir = stateDir
        self.inbox = inbox
        self.db = db
        self.poll = poll
        self.settle = settle
        self.inotify = inotify
        self.folderTags = folderTags
        self.maxFileSize = maxFileSize
        self.batchSize = batchSize
        self.logLevel = logLevel
        self.metricsFile = metricsFile
        self.metricsInterval = metricsInterval
        self.taxonomy = taxonomy
        self.modelThreshold = modelThreshold
        self.maxWatches = maxWatches
        self.nearThreshold = nearThreshold
        self.hungAfter = hungAfter
    }

    /// `near_threshold` / `--near-threshold` read: `.some(nil)` for "off", `.some(x)` for x in (0, 1],
    /// nil when it is neither.
    public static func nearThresholdValue(_ text: String) -> Double?? {
        if text == "off" { return .some(nil) }
        guard let value = Double(text), value > 0, value <= 1 else { return nil }
        return .some(value)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case stateDir = "state_dir", inbox, db, poll, settle, inotify, folderTags = "folder_tags"
        case maxFileSize = "max_file_size", batchSize = "batch_size", logLevel = "log_level"
        case metricsFile = "metrics_file", metricsInterval = "metrics_interval", taxonomy
        case modelThreshold = "model_threshold", maxWatches = "max_watches", nearThreshold = "near_threshold"
        case hungAfter = "hung_after"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        let any = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = any.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(
                forKey: unknown, in: any,
                debugDescription: "unknown setting '\(unknown.stringValue)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        stateDir = try c.decodeIfPresent(String.self, forKey: .stateDir)
        inbox = try c.decodeIfPresent(String.self, forKey: .inbox)
        db = try c.decodeIfPresent(String.self, forKey: .db)
        poll = try c.decodeIfPresent(Double.self, forKey: .poll)
        settle = try c.decodeIfPresent(Double.self, forKey: .settle)
        inotify = try c.decodeIfPresent(Bool.self, forKey: .inotify)
        folderTags = try c.decodeIfPresent(Bool.self, forKey: .folderTags)
        maxFileSize = try c.decodeIfPresent(Int64.self, forKey: .maxFileSize)
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize)
        if let level = try c.decodeIfPresent(String.self, forKey: .logLevel) {
            guard let parsed = Logger.Level(rawValue: level) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .logLevel, in: c,
                    debugDescription: "'\(level)' is not a log level (trace, debug, info, notice, warning, error, critical)")
            }
            logLevel = parsed
        }
        metricsFile = try c.decodeIfPresent(String.self, forKey: .metricsFile)
        metricsInterval = try c.decodeIfPresent(Double.self, forKey: .metricsInterval)
        taxonomy = try c.decodeIfPresent(String.self, forKey: .taxonomy)
        modelThreshold = try c.decodeIfPresent(Double.self, forKey: .modelThreshold)
        if let modelThreshold, !(0...1).contains(modelThreshold) {
            throw DecodingError.dataCorruptedError(forKey: .modelThreshold, in: c,
                                                   debugDescription: "model_threshold must be between 0 and 1")
        }
        maxWatches = try c.decodeIfPresent(Int.self, forKey: .maxWatches)
        nearThreshold = try c.decodeIfPresent(String.self, forKey: .nearThreshold)
        if let nearThreshold, Self.nearThresholdValue(nearThreshold) == nil {
            throw DecodingError.dataCorruptedError(forKey: .nearThreshold, in: c,
                                                   debugDescription: "near_threshold takes a number in (0, 1] or 'off'")
        }
        hungAfter = try c.decodeIfPresent(Double.self, forKey: .hungAfter)
        if let hungAfter, !(hungAfter > 0) {
            throw DecodingError.dataCorruptedError(forKey: .hungAfter, in: c, debugDescription: "hung_after must be a number of seconds above 0")
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The file's failure to load, with the path and YAML position in its description.
    public struct FileError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "config file \(path): \(reason)" }
    }

    /// Reads a YAML config file. An empty file (or one of comments only) gives no settings.
    public static func load(path: String) throws(FileError) -> CorpusdSettings {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FileError(path: path, reason: (error as NSError).localizedDescription)
        }
        do {
            if try Yams.load(yaml: text) == nil { return CorpusdSettings() }
            return try YAMLDecoder().decode(CorpusdSettings.self, from: text)
        } catch let DecodingError.dataCorrupted(context) {
            throw FileError(path: path, reason: context.debugDescription)
        } catch let DecodingError.typeMismatch(type, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw FileError(path: path, reason: "'\(key)' must be \(type)")
        } catch {
            throw FileError(path: path, reason: "\(error)")
        }
    }

    /// These settings with every value `other` gives put in their place.
    public func overridden(by other: CorpusdSettings) -> CorpusdSettings {
        CorpusdSettings(
            stateDir: other.stateDir ?? stateDir, inbox: other.inbox ?? inbox, db: other.db ?? db,
            poll: other.poll ?? poll, settle: other.settle ?? settle, inotify: other.inotify ?? inotify,
            folderTags: other.folderTags ?? folderTags, maxFileSize: other.maxFileSize ?? maxFileSize,
            batchSize: other.batchSize ?? batchSize, logLevel: other.logLevel ?? logLevel,
            metricsFile: other.metricsFile ?? metricsFile, metricsInterval: other.metricsInterval ?? metricsInterval,
            taxonomy: other.taxonomy ?? taxonomy, modelThreshold: other.modelThreshold ?? modelThreshold,
            maxWatches: other.maxWatches ?? maxWatches, nearThreshold: other.nearThreshold ?? nearThreshold,
            hungAfter: other.hungAfter ?? hungAfter)
    }

    /// The daemon's configuration: these settings over the defaults.
    public func daemonConfig(environment: [String: String] = ProcessInfo.processInfo.environment) -> DaemonConfig {
        var config = DaemonConfig(layout: StateLayout.resolve(stateDirectory: stateDir, inbox: inbox, database: db,
                                                              environment: environment))
        if let poll { config.pollInterval = poll }
        if let settle { config.settle = settle }
        if let inotify { config.useInotify = inotify }
        if let maxFileSize { config.maxFileSize = maxFileSize }
        if let batchSize { config.ingest.batchSize = batchSize }
        if let folderTags { config.ingest.folderTags = folderTags }
        if let logLevel { config.logLevel = logLevel }
        config.metricsFile = metricsFile
        if let metricsInterval { config.metricsInterval = max(0.1, metricsInterval) }
        config.taxonomyPath = taxonomy
        if let modelThreshold { config.modelThreshold = modelThreshold }
        if let maxWatches { config.maxWatches = maxWatches }
        if let hungAfter { config.hungAfter = hungAfter }
        if let nearThreshold, let value = Self.nearThresholdValue(nearThreshold) {
            config.ingest.nearDuplicates = NearDuplicateSettings(NearDuplicatePolicy(threshold: value))
            config.configuredNearThreshold = .some(value)
        }
        return config
    }
}
