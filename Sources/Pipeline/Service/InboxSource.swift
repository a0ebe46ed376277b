#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Logging

/// What the inbox source reports. inotify events are hints; `tick` asks for the full scan, which is the truth.
public enum InboxEvent: Sendable, Equatable {
    /// A file was closed after writing, or renamed into a watched folder: it is complete.
    case fileCompleted(InboxPath)
    /// A file or folder appeared some other way (created, hard-linked): look, but let it settle.
    case appeared(InboxPath)
    /// A folder was created or moved in: watch it and scan it now.
    case folderAppeared(InboxPath)
    /// The kernel dropped events (or inotify is unavailable): only a full scan can tell what happened.
    case overflow
    /// The poll timer fired.
    case tick
}

/// The inbox's change notifications as an `AsyncStream`: an inotify descriptor read by a Dispatch read
/// source, merged with a Dispatch timer that asks for a rescan every `pollInterval`.
/// Folders are watched recursively; new folders are added as they appear.
public final class InboxSource: @unchecked Sendable {
    // All mutable state below is touched only on `queue`.
    private let queue = DispatchQueue(label: "corpusd.inbox-source")
    private let root: String
    private let logger: Logger
    private var fd: Int32 = -1
    private var readSource: (any DispatchSourceRead)?
    private var timer: (any DispatchSourceTimer)?
    private var folders: [Int32: InboxPath] = [:]
    private var continuation: AsyncStream<InboxEvent>.Continuation?
    public let events: AsyncStream<InboxEvent>
    /// False when inotify could not be set up (disabled, or out of instances): polling carries on alone.
    public private(set) var inotifyActive = false

    public init(root: String, pollInterval: Double, useInotify: Bool, logger: Logger) {
        self.root = root
        self.logger = logger
        var continuation: AsyncStream<InboxEvent>.Continuation!
        self.events = AsyncStream(bufferingPolicy: .unbounded) { continuation = $0 }
        self.continuation = continuation
        queue.sync {
            if useInotify { setUpInotify() }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + pollInterval, repeating: pollInterval, leeway: .milliseconds(50))
            timer.setEventHandler { [weak self] in self?.continuation?.yield(.tick) }
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

    /// Asks for a full scan now, as if the poll timer had fired.
    public func requestRescan() {
        queue.async { self.continuation?.yield(.tick) }
    }

    /// Starts watching a folder (relative to the inbox) and, recursively, the folders inside it.
    /// Called by the scanner for every folder it walks, so that a folder created in a race is not missed.
    public func watch(_ folder: InboxPath) {
        queue.async { self.addWatch(folder) }
    }

    private static let mask: UInt32 = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

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
        let wd = inotify_add_watch(fd, InboxFiles.cPath(root, folder.bytes), Self.mask)
        if wd < 0 {
            let code = errno
            if code == ENOSPC || code == ENOMEM {
                logger.warning("inotify watch limit reached; relying on the poll", metadata: ["folder": "\(folder)"])
                continuation?.yield(.overflow)
            }
            return
        }
        folders[wd] = folder
    }

    private func drain() {
        let bufferSize = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, bufferSize) }
            if n <= 0 { return }
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
                handle(wd: wd, mask: mask, name: name)
            }
        }
    }

    private func handle(wd: Int32, mask: UInt32, name: [UInt8]) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            logger.warning("inotify queue overflowed; rescanning the inbox")
            continuation?.yield(.overflow)
            return
        }
        if mask & UInt32(IN_IGNORED) != 0 || mask & UInt32(IN_DELETE_SELF) != 0 || mask & UInt32(IN_MOVE_SELF) != 0 {
            folders[wd] = nil
            return
        }
        guard let folder = folders[wd], !name.isEmpty else { return }
        let path = folder.appending(name)
        if mask & UInt32(IN_ISDIR) != 0 {
            if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                addWatch(path)
                continuation?.yield(.folderAppeared(path))
            }
            return
        }
        if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
            continuation?.yield(.fileCompleted(path))
        } else if mask & UInt32(IN_CREATE) != 0 {
            continuation?.yield(.appeared(path))
        }
    }
}
