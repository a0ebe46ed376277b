import ArgumentParser
import Foundation
import Pipeline

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The state folder (default: as corpusd resolves it).")
    var stateDir: String?

    @Option(help: "The database file, if not <state-dir>/corpus.sqlite.")
    var db: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Lay text out for this many columns (default: $COLUMNS, else the terminal's width, else 100).",
                               valueName: "N"))
    var width: Int?

    @Option(help: "Colour: auto (only on a terminal, and not when NO_COLOR is set), always, never.")
    var color: ColorChoice = .auto

    @Flag(help: "Never page long output (default: long output on a terminal goes through $PAGER, else less).")
    var noPager = false

    var layout: StateLayout { StateLayout.resolveForClient(stateDirectory: stateDir, database: db) }

    /// The corpus, opened read-only. Fails with a message a person understands.
    func openCorpus() throws -> CorpusDatabase {
        let path = layout.database
        let folder = (path as NSString).deletingLastPathComponent
        if FileManager.default.fileExists(atPath: folder), access(folder, X_OK) != 0 {
            throw Self.permissionDenied(path: folder)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CtlError("no database yet at \(path): start corpusd first (make run, or systemctl start corpusd)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw Self.permissionDenied(path: path)
        }
        let corpus: CorpusDatabase
        do {
            corpus = try CorpusDatabase.openReadOnly(path: path)
        } catch {
            throw CtlError("cannot open \(path): \(error)")
        }
        if (try? corpus.schemaIsNewerThanThisBuild()) == true {
            throw CtlError("the database at \(path) was written by a newer corpusd than this corpusctl "
                + "(\(CorpusdVersion.string)); upgrade corpusctl")
        }
        return corpus
    }

    /// "permission denied reading X: join group G …", naming the group that owns `path`.
    static func permissionDenied(path: String) -> CtlError {
        var info = stat()
        var group = "corpusd"
        if stat(path, &info) == 0, let entry = getgrgid(info.st_gid) { group = String(cString: entry.pointee.gr_name) }
        return CtlError("permission denied reading \(path): join the group '\(group)' that owns it "
            + "(sudo usermod -aG \(group) $USER, then log in again)")
    }

    // MARK: terminal

    enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    /// Text width: --width, $COLUMNS, the terminal's width, else 100.
    var textWidth: Int {
        if let width { return max(20, width) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            return max(20, columns)
        }
        if let size = Terminal.size(), size.columns > 0 { return max(20, size.columns) }
        return 100
    }

    var style: TextStyle {
        switch color {
        case .always: return TextStyle(color: true)
        case .never: return TextStyle(color: false)
        case .auto:
            let environment = ProcessInfo.processInfo.environment
            let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
            return TextStyle(color: isatty(STDOUT_FILENO) == 1 && !noColor && environment["TERM"] != "dumb")
        }
    }

    /// Prints `text`, through a pager when it is taller than the terminal and paging is allowed.
    func page(_ text: String) {
        if !noPager, isatty(STDOUT_FILENO) == 1, let size = Terminal.size(),
           text.reduce(0, { $1 == "\n" ? $0 + 1 : $0 }) + 1 >= size.rows, Terminal.page(text) {
            return
        }
        Output.line(text)
    }
}

extension GlobalOptions {
    /// Sends a request to the running daemon, showing progress on a terminal. Fails with exit 3 when
    /// no daemon runs on this state folder.
    func control(_ request: ControlRequest) throws -> JSONValue {
        let layout = self.layout
        guard let presence = DaemonPresence.probe(path: layout.pidFile) else {
            throw CtlError("corpusd is not running on \(layout.stateDirectory) (start it: make run, or systemctl start corpusd)",
                           code: 3)
        }
        let showProgress = isatty(STDERR_FILENO) == 1 && !json
        do {
            return try ControlClient(path: presence.control).send(request) { done, total, message in
                guard showProgress else { return }
                let text = "\r\(done)/\(total)" + (message.map { " \($0)" } ?? "")
                FileHandle.standardError.write(Data(text.utf8))
                if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
        } catch let error as ControlClient.Unreachable {
            if access(presence.control, W_OK) != 0, errno == EACCES {
                throw Self.permissionDenied(path: presence.control)
            }
            throw CtlError(error.description, code: 3)
        } catch let error as ControlClient.Refused {
            throw CtlError(error.message)
        }
    }
}

/// An error corpusctl prints as one plain line on stderr, exiting with `code`.
struct CtlError: Error, CustomStringConvertible {
    var message: String
    var code: Int32 = 1
    init(_ message: String, code: Int32 = 1) {
        self.message = message
        self.code = code
    }
    var description: String { message }
}

enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder.corpus
        encoder.outputFormatting.insert(.prettyPrinted)
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Runs `body`, turning a `CtlError` (and the store's errors a person can act on) into a message on
    /// stderr and an exit code.
    static func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CtlError {
            FileHandle.standardError.write(Data("corpusctl: \(error.message)\n".utf8))
            throw ExitCode(error.code)
        } catch let error as MalformedSearch {
            FileHandle.standardError.write(Data("corpusctl: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
