#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One entry found in the inbox.
public struct InboxEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case regular, folder, other }
    public var path: InboxPath
    public var kind: Kind
    public var size: Int64
    public var mtime: Double
    /// Identity and version of the file: a changed signature is a changed (or new) file.
    public var signature: Signature

    public struct Signature: Sendable, Hashable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtimeNanos: Int64
        var ctimeNanos: Int64
    }
}

/// Names the inbox ignores until they are renamed: hidden files and the temporary names of
/// editors, downloaders and copy tools.
public enum InboxNames {
    public static func isIgnored(_ name: [UInt8]) -> Bool {
        guard let first = name.first else { return true }
        if first == UInt8(ascii: ".") { return true }
        if name.last == UInt8(ascii: "~") { return true }
        let lower = name.map { $0.asciiLowercased }
        for suffix in ignoredSuffixes where lower.count > suffix.count && lower.suffix(suffix.count).elementsEqual(suffix) {
            return true
        }
        return false
    }

    private static let ignoredSuffixes: [[UInt8]] = [".tmp", ".part", ".crdownload", ".partial", ".swp", ".download"]
        .map { Array($0.utf8) }
}

/// Walks the inbox. Never follows symbolic links; reports them (and FIFOs, devices) as `other`.
public struct InboxScanner: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// Every entry below `folder` (recursively), ignored names left out.
    public func scan(_ folder: InboxPath = InboxPath(bytes: []), visitFolder: (InboxPath) -> Void = { _ in }) -> [InboxEntry] {
        var entries: [InboxEntry] = []
        var pending = [folder]
        while let current = pending.popLast() {
            visitFolder(current)
            for entry in list(current) {
                entries.append(entry)
                if entry.kind == .folder { pending.append(entry.path) }
            }
        }
        return entries
    }

    /// The entries directly inside one folder.
    public func list(_ folder: InboxPath) -> [InboxEntry] {
        guard let dir = opendir(InboxFiles.cPath(root, folder.bytes)) else { return [] }
        defer { closedir(dir) }
        var entries: [InboxEntry] = []
        while let dirent = readdir(dir) {
            let name: [UInt8] = withUnsafeBytes(of: dirent.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name == [46] || name == [46, 46] || InboxNames.isIgnored(name) { continue }
            let path = folder.appending(name)
            if let entry = stat(path) { entries.append(entry) }
        }
        return entries
    }

    /// The entry at one path, or nil if it is gone or ignored.
    public func stat(_ path: InboxPath) -> InboxEntry? {
        if InboxNames.isIgnored(Array(path.bytes.split(separator: UInt8(ascii: "/")).last ?? [])) { return nil }
        var st = Glibc.stat()
        guard lstat(InboxFiles.cPath(root, path.bytes), &st) == 0 else { return nil }
        let kind: InboxEntry.Kind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .folder
        default: kind = .other
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let ctime = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
        return InboxEntry(
            path: path, kind: kind, size: Int64(st.st_size), mtime: Double(mtime) / 1e9,
            signature: .init(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                             mtimeNanos: mtime, ctimeNanos: ctime))
    }

    /// True when another process holds the file open for writing, as far as the kernel will say:
    /// a read lease can only be taken when no one has the file open for writing. Where leases are not
    /// permitted (the file belongs to someone else and we lack CAP_LEASE) the answer is false, and the
    /// settle interval alone decides.
    public func isOpenForWriting(_ path: InboxPath) -> Bool {
        let fd = open(InboxFiles.cPath(root, path.bytes), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // F_SETLEASE (F_LINUX_SPECIFIC_BASE + 0) is only declared under _GNU_SOURCE.
        let setLease: Int32 = 1024
        if fcntl(fd, setLease, F_RDLCK) == 0 {
            _ = fcntl(fd, setLease, F_UNLCK)
            return false
        }
        return errno == EAGAIN || errno == EBUSY
    }
}

/// Decides when a file seen in the inbox is complete enough to queue. Pure: time comes in as a value.
///
/// - A file reported complete by inotify (closed after writing, renamed in) is ready at once.
/// - A file found by the scan is ready when its size and times are unchanged since the previous scan
///   and its last change is at least `settle` seconds old — or, on first sight, already that old.
///   The last change is the later of mtime and ctime: a copy tool may set an old mtime while it
///   still writes, but it cannot set ctime, which every write, link or rename moves forward.
/// - Anything that is not a regular file is ready at once: it will fail with its reason.
/// Files already queued with the same signature are not queued again.
public struct SettleTracker: Sendable {
    public var settle: Double
    private var watching: [InboxPath: InboxEntry.Signature] = [:]
    private var queued: [InboxPath: InboxEntry.Signature] = [:]

    public init(settle: Double) { self.settle = settle }

    public var watchingCount: Int { watching.count }
    /// The files waiting to settle.
    public var watchedPaths: [InboxPath] { Array(watching.keys) }

    /// The entries of a scan that are ready now. With `complete`, entries missing from the scan are forgotten.
    public mutating func ready(from entries: [InboxEntry], now: Double, complete: Bool) -> [InboxEntry] {
        if complete {
            let present = Set(entries.map(\.path))
            watching = watching.filter { present.contains($0.key) }
            queued = queued.filter { present.contains($0.key) }
        }
        var ready: [InboxEntry] = []
        for entry in entries where entry.kind != .folder {
            if queued[entry.path] == entry.signature { continue }
            let lastChange = Double(max(entry.signature.mtimeNanos, entry.signature.ctimeNanos)) / 1e9
            let settled = now - lastChange >= settle
            let unchanged = watching[entry.path] == entry.signature
            if entry.kind == .other || (settled && (unchanged || watching[entry.path] == nil)) {
                ready.append(entry)
            } else {
                watching[entry.path] = entry.signature
            }
        }
        return ready
    }

    /// An entry inotify reported complete.
    public mutating func completed(_ entry: InboxEntry) -> Bool {
        queued[entry.path] != entry.signature
    }

    /// Marks entries as queued, so later scans skip them while they stay unchanged.
    public mutating func markQueued(_ entries: [InboxEntry]) {
        for entry in entries {
            queued[entry.path] = entry.signature
            watching[entry.path] = nil
        }
    }

    /// Stops tracking paths that are gone.
    public mutating func forget(_ paths: Set<InboxPath>) {
        for path in paths {
            watching[path] = nil
            queued[path] = nil
        }
    }

    /// Puts an entry back under watch (it was found still open for writing).
    public mutating func keepWatching(_ entry: InboxEntry) {
        watching[entry.path] = entry.signature
    }
}
