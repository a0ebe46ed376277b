#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Why a file in the inbox could not be read as an article. Read as a reason by a person.
public enum IntakeFailure: Error, Sendable, Hashable, CustomStringConvertible {
    case tooLarge(size: Int64, limit: Int64)
    case notRegularFile(kind: String)
    case unreadable(String)
    case vanished
    case pipeline(PipelineError)

    public var description: String {
        switch self {
        case .tooLarge(let size, let limit): return "too large: \(size) bytes, the limit is \(limit)"
        case .notRegularFile(let kind): return "not a regular file: \(kind) (refused, never opened)"
        case .unreadable(let why): return "unreadable: \(why)"
        case .vanished: return "the file disappeared before it could be read"
        case .pipeline(let error): return error.description
        }
    }
}

/// File system access for the inbox, archive and failed folders. Paths relative to the inbox are raw
/// bytes; nothing is ever followed through a symbolic link, and nothing is ever overwritten.
public struct InboxFiles: Sendable {
    public let inbox: String
    public let archive: String
    public let failed: String
    public let maxFileSize: Int64

    public init(inbox: String, archive: String, failed: String, maxFileSize: Int64) {
        self.inbox = inbox
        self.archive = archive
        self.failed = failed
        self.maxFileSize = maxFileSize
    }

    /// A NUL-terminated C path: `root/relative`.
    static func cPath(_ root: String, _ relative: [UInt8]) -> [CChar] {
        var bytes = Array(root.utf8)
        if !relative.isEmpty {
            if bytes.last != UInt8(ascii: "/") { bytes.append(UInt8(ascii: "/")) }
            bytes += relative
        }
        bytes.append(0)
        return bytes.map { CChar(bitPattern: $0) }
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "FIFO"
        case S_IFLNK: return "symbolic link"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFSOCK: return "socket"
        case S_IFDIR: return "directory"
        default: return "special file"
        }
    }

    /// Reads a regular file whole. Symbolic links, FIFOs and devices are refused without blocking
    /// (O_NOFOLLOW | O_NONBLOCK, then the type is checked on the open descriptor); a file over the size
    /// limit is refused before it is read.
    public func read(_ path: InboxPath) -> (bytes: [UInt8], mtime: Double)? {
        try? readOrFail(path).get()
    }

    public func readOrFail(_ path: InboxPath) -> Result<(bytes: [UInt8], mtime: Double), IntakeFailure> {
        let fd: Int32
        var st: stat
        switch openRegular(path, sizeLimit: maxFileSize) {
        case .failure(let failure): return .failure(failure)
        case .success(let opened): (fd, st) = opened
        }
        defer { close(fd) }

        var bytes = [UInt8](repeating: 0, count: Int(st.st_size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                // The file grew while being read: allow it up to the limit.
                if Int64(filled) > maxFileSize { return .failure(.tooLarge(size: Int64(filled), limit: maxFileSize)) }
                bytes.append(contentsOf: repeatElement(0, count: max(4096, filled / 2)))
            }
            let n = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(Self.errorText(errno)))
            }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        if Int64(filled) > maxFileSize { return .failure(.tooLarge(size: Int64(filled), limit: maxFileSize)) }
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return .success((bytes, mtime))
    }

    /// Opens a regular file for reading, refusing symbolic links, FIFOs and devices without blocking
    /// (O_NOFOLLOW | O_NONBLOCK, then the type is checked on the open descriptor) and, given a
    /// `sizeLimit`, a file over it. The caller closes the descriptor.
    func openRegular(_ path: InboxPath, sizeLimit: Int64?) -> Result<(fd: Int32, stat: stat), IntakeFailure> {
        let cpath = Self.cPath(inbox, path.bytes)
        var st = stat()
        if lstat(cpath, &st) != 0 {
            return .failure(errno == ENOENT ? .vanished : .unreadable(Self.errorText(errno)))
        }
        if st.st_mode & S_IFMT != S_IFREG { return .failure(.notRegularFile(kind: Self.kindName(st.st_mode))) }
        if let sizeLimit, st.st_size > sizeLimit { return .failure(.tooLarge(size: Int64(st.st_size), limit: sizeLimit)) }
        let fd = open(cpath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd < 0 {
            let code = errno
            if code == ENOENT { return .failure(.vanished) }
            if code == ELOOP { return .failure(.notRegularFile(kind: "symbolic link")) }
            return .failure(.unreadable(Self.errorText(code)))
        }
        // The name may have been swapped between lstat and open: judge the descriptor itself.
        if fstat(fd, &st) != 0 {
            let code = errno
            close(fd)
            return .failure(.unreadable(Self.errorText(code)))
        }
        if st.st_mode & S_IFMT != S_IFREG {
            close(fd)
            return .failure(.notRegularFile(kind: Self.kindName(st.st_mode)))
        }
        if let sizeLimit, st.st_size > sizeLimit {
            close(fd)
            return .failure(.tooLarge(size: Int64(st.st_size), limit: sizeLimit))
        }
        return .success((fd, st))
    }

    public enum Destination: Sendable {
        case archive, failed

        /// The folder's path in the state folder, with its slash: the prefix of a recorded destination.
        public var prefix: [UInt8] { Array((self == .archive ? "archive/" : "failed/").utf8) }
    }

    /// What became of an original sent to a chosen name.
    public enum MoveResult: Sendable, Equatable {
        /// It is there now (moved by this call, or by an earlier attempt cut short before the unlink).
        case moved
        /// It had already left the inbox and the name is taken: an earlier attempt moved it there.
        case alreadyMoved
        /// It is neither in the inbox nor at the name: someone removed it.
        case vanished
        /// Another file holds the name: choose again.
        case nameTaken
    }

    /// A name for `path`'s original in `destination`, relative to that folder: its sub-folder path and
    /// name, or `name.1`, `name.2` … when that is taken on disk or in `avoiding`. Nothing is created.
    public func chooseDestination(for path: InboxPath, in destination: Destination,
                                  avoiding: Set<[UInt8]> = []) throws -> [UInt8] {
        let root = destination == .archive ? archive : failed
        let parts = path.bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        let parent = parts.dropLast().map(Array.init).joined(separator: [UInt8(ascii: "/")]).map { $0 }
        let name = Array(parts.last ?? [])
        for attempt in 0..<10_000 {
            let candidateName = attempt == 0 ? name : Self.suffixed(name, ".\(attempt)")
            let relative = parent.isEmpty ? candidateName : parent + [UInt8(ascii: "/")] + candidateName
            if avoiding.contains(relative) { continue }
            var st = stat()
            if lstat(Self.cPath(root, relative), &st) == 0 { continue }
            if errno == ENOENT || errno == ENOTDIR { return relative }
            throw DisposalError(path: path, reason: Self.errorText(errno))
        }
        throw DisposalError(path: path, reason: "no free name in \(root)")
    }

    /// Moves an original out of the inbox to `relative` in `destination` (a name from `chooseDestination`,
    /// creating its sub-folders), never overwriting. Safe to repeat after a crash at any point: an
    /// original already linked there (crash between link and unlink) is recognised by its inode, and
    /// one already gone from the inbox is `.alreadyMoved` when the name is taken.
    public func move(_ path: InboxPath, to destination: Destination, at relative: [UInt8]) throws -> MoveResult {
        let root = destination == .archive ? archive : failed
        let source = Self.cPath(inbox, path.bytes)
        let target = Self.cPath(root, relative)
        var sourceStat = stat()
        var targetStat = stat()
        guard lstat(source, &sourceStat) == 0 else {
            if errno != ENOENT { throw DisposalError(path: path, reason: Self.errorText(errno)) }
            return lstat(target, &targetStat) == 0 ? .alreadyMoved : .vanished
        }
        var parent: [UInt8] = []
        for folder in relative.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).dropLast() {
            parent = parent.isEmpty ? Array(folder) : parent + [UInt8(ascii: "/")] + folder
            if mkdir(Self.cPath(root, parent), 0o750) != 0 && errno != EEXIST {
                throw DisposalError(path: path, reason: Self.errorText(errno))
            }
        }
        if lstat(target, &targetStat) == 0 {
            guard targetStat.st_dev == sourceStat.st_dev && targetStat.st_ino == sourceStat.st_ino else { return .nameTaken }
            unlink(source)
            return .moved
        }
        if link(source, target) == 0 {
            unlink(source)
            return .moved
        }
        let code = errno
        switch code {
        case EEXIST:
            return .nameTaken
        case EXDEV:
            // The inbox is on another file system: copy, make the copy durable, then link it into place.
            try Self.copyAcross(source, to: target, path: path)
            unlink(source)
            return .moved
        case EPERM, EMLINK, ENOTSUP:
            // Hard links not allowed here: rename, which could only overwrite a name created since the check.
            if rename(source, target) == 0 { return .moved }
            throw DisposalError(path: path, reason: Self.errorText(errno))
        default:
            throw DisposalError(path: path, reason: Self.errorText(code))
        }
    }

    /// `name` + `suffix`, within NAME_MAX (255 bytes): the name is trimmed, never the suffix.
    static func suffixed(_ name: [UInt8], _ suffix: String) -> [UInt8] {
        let suffix = Array(suffix.utf8)
        return Array(name.prefix(255 - suffix.count)) + suffix
    }

    /// An inbox path for `path` that no file uses yet: the same name, or `name.retryN`.
    /// Throws instead of searching on when a name cannot be judged (the inbox unreadable, a folder on
    /// the path replaced by a file, the database not answering), or after 10,000 taken names.
    public func freeInboxPath(like path: InboxPath, avoiding taken: (InboxPath) throws -> Bool) throws -> InboxPath {
        let folders = Array(path.bytes.split(separator: UInt8(ascii: "/")).dropLast())
        let parent = folders.map(Array.init).joined(separator: [UInt8(ascii: "/")]).map { $0 }
        let name = Array(path.bytes.split(separator: UInt8(ascii: "/")).last ?? [])
        for attempt in 0..<10_000 {
            let candidate = attempt == 0 ? name : Self.suffixed(name, ".retry\(attempt)")
            let target = InboxPath(bytes: parent.isEmpty ? candidate : parent + [UInt8(ascii: "/")] + candidate)
            var st = stat()
            if lstat(Self.cPath(inbox, target.bytes), &st) == 0 { continue }
            guard errno == ENOENT else { throw DisposalError(path: target, reason: Self.errorText(errno)) }
            if try !taken(target) { return target }
        }
        throw DisposalError(path: path, reason: "no free name in the inbox")
    }

    /// Moves an original from `failed/` (relative path) back into the inbox at `target`, never overwriting.
    public func restore(fromFailed relative: [UInt8], to target: InboxPath) throws {
        let source = Self.cPath(failed, relative)
        var parent: [UInt8] = []
        for folder in target.bytes.split(separator: UInt8(ascii: "/")).dropLast() {
            parent = parent.isEmpty ? Array(folder) : parent + [UInt8(ascii: "/")] + folder
            _ = mkdir(Self.cPath(inbox, parent), 0o770)
        }
        let destination = Self.cPath(inbox, target.bytes)
        if link(source, destination) == 0 {
            unlink(source)
            return
        }
        let code = errno
        if code == EXDEV {
            try Self.copyAcross(source, to: destination, path: target)
            unlink(source)
            return
        }
        throw DisposalError(path: target, reason: Self.errorText(code))
    }
}

extension InboxFiles {
    /// Copies `source` to a hidden temporary beside `target`, fsyncs it, then links it to `target`
    /// (failing rather than overwriting) and removes the temporary.
    static func copyAcross(_ source: [CChar], to target: [CChar], path: InboxPath) throws {
        let input = open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw DisposalError(path: path, reason: errorText(errno)) }
        defer { close(input) }
        var temporary = Array(target.dropLast())
        temporary += Array(".corpusd-copy\(getpid())".utf8).map { CChar(bitPattern: $0) } + [0]
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard output >= 0 else { throw DisposalError(path: path, reason: errorText(errno)) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var failure: String?
        while failure == nil {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, $0.count) }
            if n == 0 { break }
            if n < 0 { if errno == EINTR { continue }; failure = errorText(errno); break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + written, n - written) }
                if w < 0 { if errno == EINTR { continue }; failure = errorText(errno); break }
                written += w
            }
        }
        if failure == nil && fsync(output) != 0 { failure = errorText(errno) }
        close(output)
        if failure == nil && link(temporary, target) != 0 { failure = errorText(errno) }
        unlink(temporary)
        if let failure { throw DisposalError(path: path, reason: failure) }
    }
}

public struct DisposalError: Error, CustomStringConvertible {
    public var path: InboxPath
    public var reason: String
    public var description: String { "could not move \(path): \(reason)" }
}
