import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP GET into memory through URLSession, with the checks URLSession leaves to its caller:
/// the status must be 200, the body must be as long as Content-Length says, and no longer than `limit`.
final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    typealias Progress = @Sendable (_ received: Int, _ expected: Int?) -> Void

    private let url: URL
    private let limit: Int
    private let timeout: TimeInterval
    private let progress: Progress?
    private let lock = NSLock()
    private var body = Data()
    private var expected: Int?
    private var failure: String?
    private var continuation: CheckedContinuation<Data, Error>?

    private init(url: URL, limit: Int, timeout: TimeInterval, progress: Progress?) {
        self.url = url
        self.limit = limit
        self.timeout = timeout
        self.progress = progress
    }

    /// The body of a 200 response, or an error saying what went wrong (HTTP status, network, short body).
    static func get(_ url: URL, timeout: TimeInterval, userAgent: String, limit: Int,
                    progress: Progress? = nil) async throws -> Data {
        let transfer = Transfer(url: url, limit: limit, timeout: timeout, progress: progress)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = max(timeout * 20, 600)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        var request = URLRequest(url: url)
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            transfer.lock.withLock { transfer.continuation = continuation }
            session.dataTask(with: request).resume()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let length = response.expectedContentLength
        let problem: String? = lock.withLock {
            expected = length >= 0 ? Int(length) : nil
            if status != 200 {
                failure = "HTTP \(status) \(HTTPURLResponse.localizedString(forStatusCode: status))"
            } else if let expected, expected > limit {
                failure = "the server announces \(expected) bytes, more than the \(limit) expected"
            }
            return failure
        }
        completionHandler(problem == nil ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let (received, total, overLimit) = lock.withLock { () -> (Int, Int?, Bool) in
            body.append(data)
            if body.count > limit { failure = "the body exceeds the \(limit) bytes expected" }
            return (body.count, expected, body.count > limit)
        }
        if overLimit { dataTask.cancel() } else { progress?(received, total) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let (continuation, result) = lock.withLock { () -> (CheckedContinuation<Data, Error>?, Result<Data, Error>) in
            let continuation = self.continuation
            self.continuation = nil
            if let failure { return (continuation, .failure(TransferError(message: failure))) }
            if let error { return (continuation, .failure(TransferError(message: describe(error)))) }
            if let expected, body.count != expected {
                return (continuation, .failure(TransferError(message: "truncated body: \(body.count) of \(expected) bytes")))
            }
            return (continuation, .success(body))
        }
        continuation?.resume(with: result)
    }
}

extension Transfer {
    /// Foundation on Linux describes some URL errors only by number; name the common ones.
    private func describe(_ error: Error) -> String {
        guard let error = error as? URLError else { return error.localizedDescription }
        switch error.code {
        case .timedOut: return "timed out (no data for \(timeout) s)"
        case .networkConnectionLost: return "the connection was lost before the body was complete"
        default:
            let text = error.localizedDescription
            return text.contains("error \(error.code.rawValue)") ? "network error (URLError \(error.code.rawValue))" : text
        }
    }
}

struct TransferError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
