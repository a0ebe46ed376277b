#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The running daemon's claim on a state folder: `corpusd.pid`, held under an exclusive `flock` for as
/// long as the process lives (the kernel drops the lock when it dies, even by kill -9), holding its pid
/// and control socket. A second daemon on the same state folder is refused; corpusctl asks whether
/// the lock is held without ever creating the file.
public final class DaemonPresence: Sendable {
    public struct Info: Sendable, Codable, Hashable {
        public var pid: Int32
        public var control: String
        public var started: Date
    }

    private let fd: Int32

    public struct AlreadyRunning: Error, CustomStringConvertible {
        public var pid: Int32?
        public var description: String {
            "another corpusd is already running on this state folder" + (pid.map { " (pid \($0))" } ?? "")
        }
    }

    /// Takes the lock and writes `info`; throws `AlreadyRunning` if a live daemon holds it.
    public init(path: String, info: Info) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let other = Self.read(fd)?.pid
            close(fd)
            throw AlreadyRunning(pid: other)
        }
        let data = (try? JSONEncoder.corpus.encode(info)) ?? Data()
        _ = ftruncate(fd, 0)
        _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The running daemon's info, or nil when none holds the lock. Opens the file read-only, never creates it.
    public static func probe(path: String) -> Info? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return read(fd)
    }

    private static func read(_ fd: Int32) -> Info? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return try? JSONDecoder.corpus.decode(Info.self, from: Data(buffer[..<n]))
    }
}

extension JSONEncoder {
    /// The encoder of every JSON corpusd writes: ISO 8601 dates, snake_case keys, sorted for stable output.
    public static var corpus: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension JSONDecoder {
    public static var corpus: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
