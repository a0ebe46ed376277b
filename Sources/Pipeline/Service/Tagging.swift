import Foundation
import Logging
import Synchronization

/// Where the taxonomy comes from: a file, or the default built into corpusd.
public enum TaxonomyLocation: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case builtIn

    /// `explicit` (`--taxonomy PATH`, or the config file's `taxonomy:`) when given; else the first of
    /// `$CONFIGURATION_DIRECTORY/taxonomy.yaml` (systemd's ConfigurationDirectory=), `/etc/corpusd/taxonomy.yaml`
    /// and `<state-dir>/taxonomy.yaml` that exists; else the built-in default. Resolved again at each reload,
    /// so installing a file and reloading takes it into use.
    public static func resolve(explicit: String?, stateDirectory: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> TaxonomyLocation {
        if let explicit { return .file(explicit) }
        var candidates: [String] = []
        if let configuration = environment["CONFIGURATION_DIRECTORY"], !configuration.isEmpty {
            candidates.append(contentsOf: configuration.split(separator: ":").map { "\($0)/taxonomy.yaml" })
        }
        candidates.append("/etc/corpusd/taxonomy.yaml")
        candidates.append("\(stateDirectory)/taxonomy.yaml")
        return candidates.first(where: FileManager.default.fileExists(atPath:)).map(TaxonomyLocation.file) ?? .builtIn
    }

    public var description: String {
        switch self {
        case .file(let path): return path
        case .builtIn: return "built-in default"
        }
    }

    /// Reads and checks the taxonomy; the error says what is wrong and where (`path:line:column: …`).
    public func load() throws(TaxonomyFileError) -> Taxonomy {
        switch self {
        case .builtIn:
            return try TaxonomyFile.parse(Taxonomy.defaultFileText, source: description)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TaxonomyFileError(source: path, line: 0, column: 0, message: "cannot read the file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TaxonomyFileError(source: path, line: 0, column: 0, message: "not UTF-8 text")
            }
            return try TaxonomyFile.parse(text, source: path)
        }
    }
}

/// The daemon's tagging state — the taxonomy and learned model in force — shared by the ingestor, the
/// learner and the control handler. Readers take a consistent snapshot per batch; reloads and retraining
/// replace a part atomically, so a batch never sees half a taxonomy.
public final class Tagging: Sendable {
    public struct Snapshot: Sendable {
        public var taxonomy: Taxonomy
        public var location: TaxonomyLocation
        public var model: TagModel?
        public var threshold: Double

        /// The pure pipeline over this snapshot.
        public var pipeline: ArticlePipeline { ArticlePipeline(taxonomy: taxonomy, model: model, threshold: threshold) }
    }

    /// What a reload did.
    public struct Reloaded: Sendable, Codable, Hashable {
        public var source: String
        public var tags: Int
        public var aliases: Int
        /// Slugs the new taxonomy has and the previous one had not, and the other way round.
        public var added: [String]
        public var removed: [String]

        /// In a few words, for the log and the reload reply.
        public var summary: String {
            var text = "\(tags) tags, \(aliases) aliases from \(source)"
            if !added.isEmpty { text += "; added \(added.joined(separator: ", "))" }
            if !removed.isEmpty { text += "; removed \(removed.joined(separator: ", "))" }
            return text
        }
    }

    private let state: Mutex<Snapshot>
    private let explicitPath: String?
    private let stateDirectory: String
    private let database: CorpusDatabase
    private let logger: Logger

    /// Loads the taxonomy (throwing when it is broken: at start there is no previous one to keep), records it
    /// in the database and takes the stored model, if any.
    public init(taxonomyPath: String?, stateDirectory: String, threshold: Double, database: CorpusDatabase, logger: Logger) throws {
        self.explicitPath = taxonomyPath
        self.stateDirectory = stateDirectory
        self.database = database
        self.logger = logger
        let location = TaxonomyLocation.resolve(explicit: taxonomyPath, stateDirectory: stateDirectory)
        let taxonomy = try location.load()
        try database.syncTaxonomy(taxonomy)
        let model = try database.loadTagModel()?.model
        state = Mutex(Snapshot(taxonomy: taxonomy, location: location, model: model, threshold: threshold))
        logger.info("taxonomy loaded", metadata: ["source": "\(location)", "tags": "\(taxonomy.definitions.count)",
                                                   "model_tags": "\(model?.learntTags.count ?? 0)"])
    }

    public var current: Snapshot { state.withLock { $0 } }

    /// The reload entry point (SIGHUP, `corpusctl reload`, `reclassify`): load → check → record → swap.
    /// On any error the taxonomy in force stays in force and the error (with line and column) is returned.
    @discardableResult
    public func reloadTaxonomy() -> Result<Reloaded, TaxonomyFileError> {
        let location = TaxonomyLocation.resolve(explicit: explicitPath, stateDirectory: stateDirectory)
        let taxonomy: Taxonomy
        do {
            taxonomy = try location.load()
            try database.syncTaxonomy(taxonomy)
        } catch let error as TaxonomyFileError {
            logger.error("taxonomy not reloaded; the previous one stays in force", metadata: ["error": "\(error)"])
            return .failure(error)
        } catch {
            let failure = TaxonomyFileError(source: "\(location)", line: 0, column: 0, message: "could not record it: \(error)")
            logger.error("taxonomy not reloaded; the previous one stays in force", metadata: ["error": "\(failure)"])
            return .failure(failure)
        }
        let previous = state.withLock { state in
            defer {
                state.taxonomy = taxonomy
                state.location = location
            }
            return Set(state.taxonomy.definitions.map(\.slug))
        }
        let slugs = Set(taxonomy.definitions.map(\.slug))
        let reloaded = Reloaded(source: "\(location)", tags: slugs.count, aliases: taxonomy.aliasSlugs.count,
                                added: slugs.subtracting(previous).sorted(), removed: previous.subtracting(slugs).sorted())
        logger.notice("taxonomy reloaded", metadata: ["taxonomy": "\(reloaded.summary)"])
        return .success(reloaded)
    }

    /// `reloadTaxonomy` in the shape of a reload hook (SIGHUP, `corpusctl reload`): what changed, or the
    /// error with its line and column, the taxonomy in force staying in force.
    public func reloadHook() throws -> String? {
        try reloadTaxonomy().get().summary
    }

    public func install(_ model: TagModel) {
        state.withLock { $0.model = model }
    }
}
