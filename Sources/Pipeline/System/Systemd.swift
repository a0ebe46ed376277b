import CSystemd
import Foundation

/// Talks to the service manager through libsystemd's `sd_notify`. Sends nothing when NOTIFY_SOCKET
/// is unset (sd_notify checks that itself), so the same code runs in a terminal and under systemd.
public struct ServiceManagerNotifier: Sendable {
    public init() {}

    public var isSupervised: Bool { ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }

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

    private func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}
