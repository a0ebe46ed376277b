import ArgumentParser
import Foundation
import Pipeline

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether the daemon runs, its live figures, and the queue and corpus counts.",
        discussion: "Exit status: 0 when the daemon runs, 3 when it does not (as systemctl status).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Output.guarded {
            let layout = global.layout
            let presence = DaemonPresence.probe(path: layout.pidFile)
            let daemon = StatusReport.Daemon(running: presence != nil, pid: presence?.pid, control: presence?.control,
                                             started: presence?.started)
            let corpus: CorpusDatabase
            do {
                corpus = try global.openCorpus()
            } catch var error as CtlError where !daemon.running {
                error.message += "; corpusd is not running"
                error.code = 3
                throw error
            }
            var report = StatusReport(daemon: daemon, layout: layout, counts: try corpus.counts())
            if daemon.running, let live = try? global.control(.status) {
                report.live = try? JSONDecoder.corpus.decode(LiveStatus.self, from: JSONEncoder.corpus.encode(live))
            }
            if global.json {
                try Output.json(report)
            } else {
                Output.line(report.render(style: global.style))
            }
            if !daemon.running { throw ExitCode(3) }
        }
    }
}
