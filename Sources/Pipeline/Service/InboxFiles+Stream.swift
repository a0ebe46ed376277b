#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A file in the inbox read piece by piece, for files that are streamed rather than read whole
/// (a JSON Lines dump of 50,000 articles). Same refusals as `readOrFail`, but no whole-file size limit:
/// the reader bounds what it keeps.
public final class InboxStream {
    private let fd: Int32
    public let mtime: Double

    init(fd: Int32, mtime: Double) {
        self.fd = fd
        self.mtime = mtime
    }

    deinit { close(fd) }

    /// Up to `count` bytes; empty at the end of the file.
    public func read(upTo count: Int) -> Result<[UInt8], IntakeFailure> {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.unreadable(InboxFiles.errorText(errno)))
            }
            buffer.removeSubrange(n...)
            return .success(buffer)
        }
    }
}

extension InboxFiles {
    public func openStream(_ path: InboxPath) -> Result<InboxStream, IntakeFailure> {
        openRegular(path, sizeLimit: nil).map { opened in
            InboxStream(fd: opened.fd, mtime: Double(opened.stat.st_mtim.tv_sec) + Double(opened.stat.st_mtim.tv_nsec) / 1e9)
        }
    }

    /// The first `count` bytes of a file (fewer if it is shorter), for format detection; nil if unreadable.
    public func head(_ path: InboxPath, count: Int) -> [UInt8]? {
        guard case .success(let stream) = openStream(path), case .success(let bytes) = stream.read(upTo: count) else { return nil }
        return bytes
    }
}
