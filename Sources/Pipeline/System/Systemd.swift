#if canImport(Glibc)
import Glibc
#endif
import CSystemd
import Dispatch
import Foundation
import Synchronization

/// Talks to the service manager over `$NOTIFY_SOCKET`, never blocking: a datagram the socket cannot
/// take now (nobody reads it, its queue is full) waits in a short list that the next notification
/// sends first. Waiting `STATUS=` and `WATCHDOG=1` messages are coalesced (only the newest is kept),
/// and the list holds at most `pendingLimit` messages (the oldest go). Sends nothing when
/// NOTIFY_SOCKET is unset, so the same code runs in a terminal and under systemd. A socket that is not a
/// Unix one (`vsock:CID:PORT`, as a service manager outside a virtual machine gives) is left to libsystemd's
/// `sd_notify`, which knows the kinds its version supports; that path may wait on the socket.
public final class ServiceManagerNotifier: Sendable {
    public static let pendingLimit = 16

    private struct State {
        var fd: Int32 = -1
        var pending: [String] = []
    }

    /// The socket's address: a path, or an abstract name (`@name`); nil when there is none to talk to.
    private let address: [UInt8]?
    /// A notify socket of another kind than Unix: messages go through `sd_notify`.
    private let viaLibsystemd: Bool
    private let state = Mutex(State())

    /// - Parameter socket: the notify socket, as `$NOTIFY_SOCKET` names it (`/path`, `@abstract`, or another
    ///   kind such as `vsock:2:1234`, handed to libsystemd).
    public init(socket: String? = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"]) {
        guard let socket, let first = socket.utf8.first else {
            address = nil
            viaLibsystemd = false
            return
        }
        guard first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else {
            address = nil
            viaLibsystemd = true
            return
        }
        var bytes = Array(socket.utf8)
        if first == UInt8(ascii: "@") { bytes[0] = 0 }
        address = bytes.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) ? bytes : nil
        viaLibsystemd = false
    }

    deinit {
        state.withLock { if $0.fd >= 0 { close($0.fd) } }
    }

    public var isSupervised: Bool { address != nil || viaLibsystemd }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }

    /// Asks for `time` more to finish starting (`EXTEND_TIMEOUT_USEC`, systemd 236 and later), saying why.
    public func extendStart(by time: Duration, status: String) {
        send("EXTEND_TIMEOUT_USEC=\(time.wholeMicroseconds)\nSTATUS=\(status)")
    }

    /// Runs `body`, which comes before READY=1 and may be slow (opening the database migrates its schema when a new
    /// version needs it: minutes over a large corpus). Should it still run after `interval`, and every `interval`
    /// after that, asks for `interval * 3` more, so that `TimeoutStartSec` does not stop the service half-way
    /// (and it starts again, to stop at the same place). A fast `body` sends nothing.
    public func extendingStart<T>(_ what: String, interval: Duration = .seconds(10), _ body: () throws -> T) rethrows -> T {
        guard isSupervised else { return try body() }
        let started = ContinuousClock.now
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        let every = DispatchTimeInterval.microseconds(Int(interval.wholeMicroseconds))
        timer.schedule(deadline: .now() + every, repeating: every)
        timer.setEventHandler { [self] in
            let elapsed = (ContinuousClock.now - started).components.seconds
            extendStart(by: interval * 3, status: "\(what) (\(elapsed) s so far)")
        }
        timer.activate()
        defer { timer.cancel() }
        return try body()
    }

    /// `RELOADING=1` with the monotonic time, as `Type=notify-reload` requires.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(usec)")
    }

    /// Half the watchdog interval systemd asked for, or nil when the watchdog is off.
    public func watchdogInterval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec / 2))
    }

    /// Messages the socket has not taken yet.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Adds `message` to what is waiting (replacing a waiting one of the same coalescing kind), then sends
    /// as much as the socket takes without waiting.
    private func send(_ message: String) {
        if viaLibsystemd {
            _ = sd_notify(0, message)
            return
        }
        guard let address else { return }
        state.withLock { s in
            if let kind = Self.coalescingKind(message) {
                s.pending.removeAll { Self.coalescingKind($0) == kind }
            }
            s.pending.append(message)
            if s.pending.count > Self.pendingLimit { s.pending.removeFirst(s.pending.count - Self.pendingLimit) }
            if s.fd < 0 {
                s.fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                if s.fd < 0 { return }
            }
            while let next = s.pending.first {
                let sent = Self.sendto(s.fd, Array(next.utf8), address)
                if sent >= 0 {
                    s.pending.removeFirst()
                    continue
                }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK, ENOBUFS: return  // full: the next notification tries again
                default: s.pending.removeFirst()  // no such socket, refused: nobody to tell
                }
            }
        }
    }

    /// `STATUS` and `WATCHDOG` messages only say "now": a newer one makes a waiting one pointless.
    private static func coalescingKind(_ message: String) -> String? {
        if message == "WATCHDOG=1" { return "WATCHDOG" }
        if message.hasPrefix("STATUS=") && !message.contains("\n") { return "STATUS" }
        return nil
    }

    private static func sendto(_ fd: Int32, _ bytes: [UInt8], _ path: [UInt8]) -> Int {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        // A path is NUL-terminated; an abstract name's length is exactly its bytes.
        let length = MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.sendto(fd, bytes, bytes.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL), $0, socklen_t(length))
            }
        }
    }
}

extension Duration {
    /// The duration in whole microseconds (the unit of systemd's `*_USEC` fields), rounded down.
    var wholeMicroseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }
}
