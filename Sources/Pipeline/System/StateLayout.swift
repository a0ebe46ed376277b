import Foundation

/// Where corpusd keeps its state. Shared by the daemon and corpusctl so that `corpusctl status` needs no flags.
///
/// The state folder is, in order: `--state-dir`, `$CORPUSD_STATE_DIR`, `$STATE_DIRECTORY` (set by
/// systemd), `/var/lib/corpusd` for root, else `${XDG_STATE_HOME:-~/.local/state}/corpusd`.
/// Inside it: `inbox/`, `archive/`, `failed/`, `corpus.sqlite`, and `corpusd.pid` while the daemon runs.
public struct StateLayout: Sendable, Hashable, Codable {
    public var stateDirectory: String
    public var inbox: String
    public var archive: String
    public var failed: String
    public var database: String
    /// Held locked by the running daemon; holds its pid and control socket path.
    public var pidFile: String
    /// The daemon's control socket: in `$RUNTIME_DIRECTORY` under systemd, else in the state folder.
    public var controlSocket: String

    public static func resolve(
        stateDirectory: String? = nil, inbox: String? = nil, database: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, isRoot: Bool = geteuid() == 0
    ) -> StateLayout {
        let state = stateDirectory ?? environment["CORPUSD_STATE_DIR"].nonEmpty
            ?? environment["STATE_DIRECTORY"].nonEmpty.map { $0.split(separator: ":").first.map(String.init) ?? $0 }
            ?? defaultStateDirectory(environment: environment, isRoot: isRoot)
        let root = Self.absolute(state)
        let runtime = environment["RUNTIME_DIRECTORY"].nonEmpty.map { $0.split(separator: ":").first.map(String.init) ?? $0 }
            ?? (isRoot && root == "/var/lib/corpusd" ? "/run/corpusd" : nil)
        return StateLayout(
            stateDirectory: root,
            inbox: inbox.map(Self.absolute) ?? root + "/inbox",
            archive: root + "/archive",
            failed: root + "/failed",
            database: database.map(Self.absolute) ?? root + "/corpus.sqlite",
            pidFile: root + "/corpusd.pid",
            controlSocket: (runtime ?? root) + "/control.sock")
    }

    /// The system service's state folder (the unit's `StateDirectory=corpusd`).
    public static let systemStateDirectory = "/var/lib/corpusd"

    /// The state folder as corpusctl finds it: as `resolve` does, except that a user who has no state
    /// folder of their own but can see the system service's gets that one, so that a member of group
    /// corpusd reaches the system daemon with no flags.
    public static func resolveForClient(
        stateDirectory: String? = nil, database: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, isRoot: Bool = geteuid() == 0,
        systemStateDirectory: String = systemStateDirectory
    ) -> StateLayout {
        var state = stateDirectory
        let named = environment["CORPUSD_STATE_DIR"].nonEmpty ?? environment["STATE_DIRECTORY"].nonEmpty
        if state == nil, named == nil, !isRoot {
            let own = defaultStateDirectory(environment: environment, isRoot: false)
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: own),
               FileManager.default.fileExists(atPath: systemStateDirectory, isDirectory: &isFolder), isFolder.boolValue {
                state = systemStateDirectory
            }
        }
        return resolve(stateDirectory: state, database: database, environment: environment, isRoot: isRoot)
    }

    private static func defaultStateDirectory(environment: [String: String], isRoot: Bool) -> String {
        if isRoot { return systemStateDirectory }
        let home = environment["HOME"].nonEmpty ?? NSHomeDirectory()
        let base = environment["XDG_STATE_HOME"].nonEmpty ?? home + "/.local/state"
        return base + "/corpusd"
    }

    static func absolute(_ path: String) -> String {
        var result = path
        if !result.hasPrefix("/") {
            result = FileManager.default.currentDirectoryPath + "/" + result
        }
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return URL(fileURLWithPath: result).standardizedFileURL.path
    }
}

extension Optional where Wrapped == String {
    var nonEmpty: String? {
        switch self {
        case .some(let value) where !value.isEmpty: return value
        default: return nil
        }
    }
}
