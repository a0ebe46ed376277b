#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Logging

/// What the inbox source reports. inotify events are hints; the full scan is the truth (see `ScanSchedule`).
/// Events come in batches (one per read of the inotify descriptor) so that a burst of files costs a few
/// queue transactions, not one per file.
public enum InboxEvent: Sendable, Equatable {
    /// Files closed after writing, or renamed into a watched folder: they are complete.
    case completed([InboxPath])
    /// Files that appeared some other way (created, hard-linked): look, but let them settle.
    case appeared([InboxPath])
    /// A folder was created or moved in: it is watched already; scan it now. The files of a folder
    /// moved in are complete, as a file renamed in is.
    case folderAppeared(InboxPath, movedIn: Bool)
    /// Files are waiting to settle: look at them again.
    case recheck
    /// The kernel dropped events, events were dropped here, or a watch could not be added: only a full
    /// scan can tell what happened.
    case overflow
    /// A full scan was asked for (`corpusctl rescan`).
    case rescan
    /// The poll timer fired.
    case tick
}

/// The inbox's change notifications as an `AsyncStream`: an inotify descriptor read by a Dispatch read
/// source, merged with a Dispatch timer that asks for a rescan every `pollInterval`.
/// Folders are watched recursively; new folders are added as they appear.
///
/// Memory stays bounded however many files arrive: the stream holds at most `bufferLimit` events; when
/// the consumer falls behind, further events are dropped and one `overflow` (a full scan) takes their place.
public final class InboxSource: @unchecked Sendable {
    // All mutable state below is touched only on `queue`.
    private let queue = DispatchQueue(label: "corpusd.inbox-source")
    private let root: String
    private let logger: Logger
    private let maxWatches: Int
    private var fd: Int32 = -1
    private var readSource: (any DispatchSourceRead)?
    private var timer: (any DispatchSourceTimer)?
    private var folders: [Int32: InboxPath] = [:]
    private var continuation: AsyncStream<InboxEvent>.Continuation?
    /// Events were dropped since the last event that got through: the next one must be a full scan.
    private var missedEvents = false
    private var watchLimitReported = false
    private var recheckScheduled = false
    public let events: AsyncStream<InboxEvent>
    /// False when inotify could not be set up (disabled, or out of instances): polling carries on alone.
    public private(set) var inotifyActive = false
    public static let bufferLimit = 64

    /// - Parameter maxWatches: the most folders to watch with inotify (the kernel's per-user limit is
    ///   shared with every other program of the user); folders beyond it are found by the poll alone.
    public init(root: String, pollInterval: Double, useInotify: Bool, maxWatches: Int = .max, logger: Logger) {
        self.root = root
        self.logger = logger
        self.maxWatches = maxWatches
        var continuation: AsyncStream<InboxEvent>.Continuation!
        self.events = AsyncStream(bufferingPolicy: .bufferingOldest(Self.bufferLimit)) { continuation = $0 }
        self.continuation = continuation
        queue.sync {
            if useInotify { setUpInotify() }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + pollInterval, repeating: pollInterval, leeway: .milliseconds(50))
            timer.setEventHandler { [weak self] in self?.send(.tick) }
            timer.resume()
            self.timer = timer
        }
    }

    deinit {
        readSource?.cancel()
        timer?.cancel()
    }

    /// Stops both sources and ends the stream.
    public func stop() {
        queue.sync {
            readSource?.cancel()
            readSource = nil
            timer?.cancel()
            timer = nil
            continuation?.finish()
            continuation = nil
        }
    }

    /// Asks for a full scan now.
    public func requestRescan() {
        queue.async { self.send(.rescan) }
    }

    /// True while inotify can be trusted to report every arrival: it is set up and every folder found
    /// is watched. Lost events are not counted here: they arrive as `overflow`.
    public var inotifyComplete: Bool {
        queue.sync { fd >= 0 && !watchLimitReported }
    }

    /// Asks for a `recheck` after `delay` seconds (one at a time).
    public func requestRecheck(after delay: Double) {
        queue.async {
            guard !self.recheckScheduled else { return }
            self.recheckScheduled = true
            self.queue.asyncAfter(deadline: .now() + delay) {
                self.recheckScheduled = false
                self.send(.recheck)
            }
        }
    }

    /// Starts watching a folder (relative to the inbox). Called by the scanner for every folder it walks,
    /// so that a folder created in a race is not missed.
    public func watch(_ folder: InboxPath) {
        queue.async { self.addWatch(folder) }
    }

    /// Yields an event; after a drop, a full scan goes first. Only on `queue`.
    private func send(_ event: InboxEvent) {
        guard let continuation else { return }
        if missedEvents {
            if case .dropped = continuation.yield(.overflow) { return }
            missedEvents = false
            if event == .tick || event == .overflow || event == .rescan { return }
        }
        if case .dropped = continuation.yield(event) {
            if !missedEvents { logger.notice("inbox events arrive faster than they are queued; a full scan will catch up") }
            missedEvents = true
        }
    }

    private static let mask: UInt32 = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE_SELF | IN_ONLYDIR)

    private func setUpInotify() {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else {
            logger.warning("inotify unavailable, polling only", metadata: ["error": "\(InboxFiles.errorText(errno))"])
            return
        }
        fd = descriptor
        inotifyActive = true
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler { [weak self] in self?.drain() }
        source.setCancelHandler { close(descriptor) }
        source.resume()
        readSource = source
        addWatch(InboxPath(bytes: []))
    }

    private func addWatch(_ folder: InboxPath) {
        guard fd >= 0 else { return }
        var code: Int32 = 0
        if folders.count >= maxWatches {
            // Re-adding a folder already watched is how the scanner keeps watches fresh; anything else is over the limit.
            if !folders.values.contains(folder) { code = ENOSPC }
        } else {
            let wd = inotify_add_watch(fd, InboxFiles.cPath(root, folder.bytes), Self.mask)
            if wd >= 0 {
                folders[wd] = folder
                return
            }
            code = errno
        }
        guard code == ENOSPC || code == ENOMEM else { return }
        // Once only: every later scan walks the same folders, and the poll covers them all.
        if !watchLimitReported {
            watchLimitReported = true
            logger.warning("inotify watch limit reached; folders beyond it are found by the poll", metadata: [
                "folder": "\(folder)", "watched": "\(folders.count)",
            ])
            send(.overflow)
        }
    }

    private func unwatch(below folder: InboxPath) {
        let prefix = folder.bytes + [UInt8(ascii: "/")]
        for (wd, watched) in folders where watched == folder || watched.bytes.starts(with: prefix) {
            inotify_rm_watch(fd, wd)
            folders[wd] = nil
        }
    }

    private func drain() {
        let bufferSize = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, bufferSize) }
            if n <= 0 { return }
            var completed: [InboxPath] = []
            var appeared: [InboxPath] = []
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let (wd, mask, length) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                let nameStart = offset + MemoryLayout<inotify_event>.size
                var name = Array(buffer[nameStart..<min(n, nameStart + length)])
                if let nul = name.firstIndex(of: 0) { name.removeSubrange(nul...) }
                offset = nameStart + length
                handle(wd: wd, mask: mask, name: name, completed: &completed, appeared: &appeared)
            }
            if !appeared.isEmpty { send(.appeared(appeared)) }
            if !completed.isEmpty { send(.completed(completed)) }
        }
    }

    private func handle(wd: Int32, mask: UInt32, name: [UInt8], completed: inout [InboxPath], appeared: inout [InboxPath]) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            logger.warning("inotify queue overflowed; rescanning the inbox")
            send(.overflow)
            return
        }
        if mask & UInt32(IN_IGNORED) != 0 || mask & UInt32(IN_DELETE_SELF) != 0 {
            folders[wd] = nil
            return
        }
        guard let folder = folders[wd], !name.isEmpty else { return }
        let path = folder.appending(name)
        if mask & UInt32(IN_ISDIR) != 0 && mask & UInt32(IN_MOVED_FROM) != 0 {
            // The folder and those inside it leave under this name; if they stay in the inbox, their new
            // name arrives as IN_MOVED_TO and is watched afresh, so no event is reported under the old path.
            unwatch(below: path)
            return
        }
        // Temporary and hidden names are the writer's business until renamed, as in the scan.
        if InboxNames.isIgnored(name) { return }
        if mask & UInt32(IN_ISDIR) != 0 {
            if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                // Watch before anyone scans it, so that no file created inside can fall between the two.
                addWatch(path)
                send(.folderAppeared(path, movedIn: mask & UInt32(IN_MOVED_TO) != 0))
            }
            return
        }
        if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
            completed.append(path)
        } else if mask & UInt32(IN_CREATE) != 0 {
            appeared.append(path)
        }
    }
}
