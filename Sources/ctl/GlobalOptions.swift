import ArgumentParser
import Foundation
import Pipeline

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The state folder (default: as corpusd resolves it).")
    var stateDir: String?

    @Option(help: "The database file, if not <state-dir>/corpus.sqlite.")
    var db: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    var layout: StateLayout { StateLayout.resolve(stateDirectory: stateDir, database: db) }

    /// The corpus, opened read-only. Fails with a message a person understands.
    func openCorpus() throws -> CorpusDatabase {
        let path = layout.database
        guard FileManager.default.fileExists(atPath: path) else {
            throw CtlError("no database yet at \(path): start corpusd first (make run, or systemctl start corpusd)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CtlError("permission denied reading \(path): join the group that owns it "
                + "(sudo usermod -aG corpusd $USER, then log in again)")
        }
        let corpus: CorpusDatabase
        do {
            corpus = try CorpusDatabase.openReadOnly(path: path)
        } catch {
            throw CtlError("cannot open \(path): \(error)")
        }
        if (try? corpus.schemaIsNewerThanThisBuild()) == true {
            throw CtlError("the database at \(path) was written by a newer corpusd; upgrade corpusctl")
        }
        return corpus
    }
}

extension GlobalOptions {
    /// Sends a request to the running daemon, showing progress on a terminal. Fails with exit 3 when
    /// no daemon runs on this state folder.
    func control(_ request: ControlRequest) throws -> JSONValue {
        let layout = self.layout
        guard let presence = DaemonPresence.probe(path: layout.pidFile) else {
            throw CtlError("corpusd is not running on \(layout.stateDirectory)", code: 3)
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

    /// Runs `body`, turning a `CtlError` into its message on stderr and its exit code.
    static func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CtlError {
            FileHandle.standardError.write(Data("corpusctl: \(error.message)\n".utf8))
            throw ExitCode(error.code)
        }
    }
}
