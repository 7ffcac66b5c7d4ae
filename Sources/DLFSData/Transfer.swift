import CCurl
import Foundation

/// One HTTP GET into memory through libcurl's blocking easy interface, with the checks a download needs:
/// the status must be 200, the body as long as Content-Length says and no longer than `limit`, and the
/// whole transfer done within `timeout` seconds. The calling thread waits in `poll` (URLSession on Linux
/// polled in a loop: 80-90 % of a core while a server was silent).
final class Transfer: @unchecked Sendable {
    typealias Progress = @Sendable (_ received: Int, _ expected: Int?) -> Void

    private let limit: Int
    private let progress: Progress?
    private var body = Data()
    private var failure: String?

    private init(limit: Int, progress: Progress?) {
        self.limit = limit
        self.progress = progress
    }

    /// The body of a 200 response, or an error saying what went wrong (HTTP status, network, short body, time).
    static func get(_ url: URL, timeout: TimeInterval, userAgent: String, limit: Int,
                    progress: Progress? = nil) throws -> Data {
        try Transfer(limit: limit, progress: progress).run(url, timeout: timeout, userAgent: userAgent)
    }

    /// `curl_easy_perform` blocks until the transfer ends or `timeout` passes.
    private func run(_ url: URL, timeout: TimeInterval, userAgent: String) throws -> Data {
        var result = dlfs_curl_result()
        let sink: dlfs_curl_sink = { data, count, status, expected, context in
            Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().receive(data!, count, status, expected)
        }
        let loaded = withExtendedLifetime(self) {
            dlfs_curl_get(url.absoluteString, userAgent, Int(timeout * 1000), sink, Unmanaged.passUnretained(self).toOpaque(), &result)
        }
        let message = withUnsafeBytes(of: result.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard loaded == 0 else { throw TransferError(message: message) }
        if let failure { throw TransferError(message: failure) }
        if result.status != 0 && result.status != 200 { throw TransferError(message: Self.describe(status: result.status)) }
        switch result.code {
        case 0: break
        case 28: throw TransferError(message: "timed out (the file took more than \(timeout) s)")
        case 18: throw TransferError(message: "truncated body: \(body.count) of \(result.expected) bytes")
        default: throw TransferError(message: message)
        }
        if result.expected >= 0, body.count != result.expected {
            throw TransferError(message: "truncated body: \(body.count) of \(result.expected) bytes")
        }
        return body
    }

    /// One piece of the body: refused (stopping the transfer) when the status is not 200 or the body
    /// would exceed `limit`; returns 0 to go on.
    private func receive(_ data: UnsafePointer<CChar>, _ count: Int, _ status: Int, _ expected: Int64) -> Int32 {
        if status != 200 {
            failure = Self.describe(status: status)
        } else if expected > limit {
            failure = "the server announces \(expected) bytes, more than the \(limit) expected"
        } else if body.count + count > limit {
            failure = "the body exceeds the \(limit) bytes expected"
        }
        guard failure == nil else { return 1 }
        body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: count)
        progress?(body.count, expected >= 0 ? Int(expected) : nil)
        return 0
    }

    private static func describe(status: Int) -> String {
        let reasons = [301: "Moved Permanently", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                       404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error",
                       502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"]
        return "HTTP \(status)" + (reasons[status].map { " \($0)" } ?? "")
    }
}

struct TransferError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
