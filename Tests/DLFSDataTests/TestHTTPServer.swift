import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-connection-at-a-time HTTP/1.1 server on 127.0.0.1 (ephemeral port) that misbehaves on request.
final class TestHTTPServer: @unchecked Sendable {
    enum Reply {
        case file([UInt8])
        case status(Int)
        /// Announces `declared` bytes in Content-Length, sends `bytes`, closes.
        case truncated([UInt8], declared: Int)
        /// Accepts and says nothing for `seconds`.
        case silence(seconds: Double)
        /// Announces `declared` bytes, then sends one byte a second until they are sent or the client leaves.
        case drip(declared: Int)
    }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var routes: [String: Reply]
    private var paths: [String] = []
    private var stopped = false

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [String] { lock.withLock { paths } }

    init(routes: [String: Reply]) throws {
        self.routes = routes
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        port = try Self.bind(listener)
        guard listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// A port on which nothing listens: bound, then closed.
    static func refusedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return try bind(fd)
    }

    private static func bind(_ fd: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Wakes the serving thread's `accept`; that thread closes the listener itself on its way out. Closing it
    /// here would free the descriptor's number while the thread may still be in `handle`, and its next `accept`
    /// could then take the connections of the next test's server, given the same number by `socket()`.
    /// `stopped` and the shutdown change together under the lock, so the thread never closes before it.
    func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
        }
    }

    private func serve() {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var request = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let n = recv(connection, &chunk, chunk.count, 0)
            guard n > 0 else { return }
            request += chunk[0..<n]
        }
        let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        guard line.count >= 2 else { return }
        let path = String(line[1])
        let reply = lock.withLock { () -> Reply in
            paths.append(path)
            return routes[path] ?? .status(404)
        }
        switch reply {
        case .file(let bytes):
            send(connection, header(200, length: bytes.count) + bytes)
        case .status(let code):
            let body = Array("status \(code)\n".utf8)
            send(connection, header(code, length: body.count) + body)
        case .truncated(let bytes, let declared):
            send(connection, header(200, length: declared) + bytes)
        case .silence(let seconds):
            Thread.sleep(forTimeInterval: seconds)
        case .drip(let declared):
            guard send(connection, header(200, length: declared)) else { return }
            for _ in 0..<declared {
                guard send(connection, [0]) else { return }
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    private func header(_ status: Int, length: Int) -> [UInt8] {
        let reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Error"
        return Array(("HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: \(length)\r\nConnection: close\r\n\r\n").utf8)
    }

    /// Sends all of `bytes`; false when the client has gone.
    @discardableResult
    private func send(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        count >= 4 && (0...(count - 4)).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
}
