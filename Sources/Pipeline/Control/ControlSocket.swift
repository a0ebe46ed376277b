#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Logging
import ServiceLifecycle

/// Answers control requests. The daemon's implementation is `DaemonControl`; tests may use their own.
public protocol ControlHandler: Sendable {
    func handle(_ request: ControlRequest, progress: @escaping @Sendable (Int, Int, String?) -> Void) async throws -> JSONValue
}

/// The daemon's control socket: a Unix stream socket speaking JSON lines (see `ControlRequest`).
/// Created with mode 0660, so members of the service's group may use it; removed at shutdown.
public struct ControlServer: Service, CustomStringConvertible {
    let path: String
    let handler: any ControlHandler
    let logger: Logger
    /// The listening socket, bound at construction so that it exists before the daemon reports ready.
    private let fd: Int32
    private let queue = DispatchQueue(label: "corpusd.control", attributes: .concurrent)

    public init(path: String, handler: any ControlHandler, logger: Logger) throws {
        self.path = path
        self.handler = handler
        self.logger = logger
        self.fd = try UnixSocket.listen(path: path)
    }

    public var description: String { "ControlServer(\(path))" }

    public func run() async throws {
        let fd = self.fd
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [handler, logger, queue] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                queue.async { Self.serve(client, handler: handler, logger: logger) }
            }
        }
        source.setCancelHandler { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        source.resume()
        try? await gracefulShutdown()
        source.cancel()
        unlink(path)
    }

    private static func serve(_ client: Int32, handler: any ControlHandler, logger: Logger) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connection = UnixSocket.Connection(fd: client)
        guard let line = connection.readLine() else {
            connection.close()
            return
        }
        let request: ControlRequest
        do {
            request = try JSONDecoder.corpus.decode(ControlRequest.self, from: Data(line.utf8))
        } catch {
            connection.send(.error("bad request: \(error)"))
            connection.close()
            return
        }
        logger.debug("control request", metadata: ["op": "\(request.op)"])
        Task {
            do {
                let result = try await handler.handle(request) { done, total, message in
                    connection.send(.progress(done: done, total: total, message: message))
                }
                connection.send(.done(result))
            } catch {
                connection.send(.error("\(error)"))
            }
            connection.close()
        }
    }
}

/// The corpusctl side: sends one request, streams progress, returns the result.
public struct ControlClient: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public struct Unreachable: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "corpusd is not running (no answer on \(path): \(reason))" }
    }

    public struct Refused: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public func send(_ request: ControlRequest, progress: (Int, Int, String?) -> Void = { _, _, _ in }) throws -> JSONValue {
        let connection: UnixSocket.Connection
        do {
            connection = UnixSocket.Connection(fd: try UnixSocket.connect(path: path))
        } catch let error as UnixSocket.Failure {
            throw Unreachable(path: path, reason: error.description)
        }
        defer { connection.close() }
        let data = try JSONEncoder.corpus.encode(request)
        connection.write(String(decoding: data, as: UTF8.self) + "\n")
        while let line = connection.readLine() {
            switch try JSONDecoder.corpus.decode(ControlReply.self, from: Data(line.utf8)) {
            case .progress(let done, let total, let message): progress(done, total, message)
            case .done(let result): return result
            case .error(let message): throw Refused(message: message)
            }
        }
        throw Unreachable(path: path, reason: "the daemon closed the connection without an answer")
    }
}

/// Thin wrappers over Unix stream sockets.
enum UnixSocket {
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failure(call: "socket path", code: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    static func listen(path: String) throws -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        unlink(path)  // a stale socket from a previous run; the state folder's lock guarantees it is ours
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw Failure(call: "bind", code: code)
        }
        chmod(path, 0o660)
        guard Glibc.listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw Failure(call: "listen", code: code)
        }
        return fd
    }

    static func connect(path: String) throws -> Int32 {
        var address = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw Failure(call: "connect", code: code)
        }
        return fd
    }

    /// A connected socket read line by line. Writes are serialised by a lock (progress comes from any thread).
    final class Connection: @unchecked Sendable {
        let fd: Int32
        private var buffer: [UInt8] = []
        private let lock = NSLock()

        init(fd: Int32) { self.fd = fd }

        func readLine() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(...newline)
                    return line
                }
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = recv(fd, &chunk, chunk.count, 0)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return nil }
                buffer += chunk[..<n]
            }
        }

        func write(_ text: String) {
            lock.lock()
            defer { lock.unlock() }
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                bytes = bytes.dropFirst(n)
            }
        }

        func send(_ reply: ControlReply) {
            guard let data = try? JSONEncoder.corpus.encode(reply) else { return }
            write(String(decoding: data, as: UTF8.self) + "\n")
        }

        func close() { Glibc.close(fd) }
    }
}
