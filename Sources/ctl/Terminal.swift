import Foundation

/// The controlling terminal: its size, and a pager to show long output in.
enum Terminal {
    static func size() -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else {
            return nil
        }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// Shows `text` in $CORPUSCTL_PAGER, else $PAGER, else less (with LESS=FRX unless LESS is set).
    /// Returns false when no pager could be started, so that the caller prints the text itself.
    static func page(_ text: String) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        let command = [environment["CORPUSCTL_PAGER"], environment["PAGER"]].compactMap { $0 }.first { !$0.isEmpty } ?? "less"
        if command == "cat" { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var childEnvironment = environment
        if childEnvironment["LESS"] == nil { childEnvironment["LESS"] = "FRX" }
        process.environment = childEnvironment
        let input = Pipe()
        process.standardInput = input
        do {
            try process.run()
        } catch {
            return false
        }
        signal(SIGPIPE, SIG_IGN)  // the reader may quit before reading everything
        try? input.fileHandleForWriting.write(contentsOf: Data((text + "\n").utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus != 127
    }
}
