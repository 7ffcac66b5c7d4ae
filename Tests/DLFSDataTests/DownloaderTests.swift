import Foundation
import Testing
@testable import DLFSData

/// Collects the downloader's per-mirror lines.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }
}

/// The downloader against a local server serving generated IDX.gz files with known checksums.
@Suite struct DownloaderTests {
    let info: DatasetInfo
    let files: [String: [UInt8]]

    init() throws { (info, files) = try Fixture.dataset() }

    func routes(_ prefix: String) -> [String: TestHTTPServer.Reply] {
        Dictionary(uniqueKeysWithValues: files.map { ("/\(prefix)/\($0.key)", .file($0.value)) })
    }

    func downloader(_ mirrors: [String], log: LogLines) -> Downloader {
        var d = Downloader(dataset: info, mirrors: mirrors, environment: [:])
        d.showsProgress = false
        d.timeout = 2
        d.log = { log.append($0) }
        return d
    }

    @Test func downloadsVerifiesAndLoads() async throws {
        let server = try TestHTTPServer(routes: routes("ok"))
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogLines()
        try downloader(["\(server.baseURL)/ok"], log: log).fetch(info.files, into: dir.path)
        #expect(dir.contents() == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])
        #expect(server.requests == ["/ok/train-images-idx3-ubyte.gz", "/ok/train-labels-idx1-ubyte.gz"])
        #expect(log.lines.count == 2 && log.lines.allSatisfy { $0.contains(" ok, ") && $0.contains("checksum verified") })
        let set = try Dataset.read(info, splits: [.train], from: dir.path).split(.train)
        #expect(set.pixels == Fixture.pixels && set.labels == Fixture.labels)
    }

    @Test func fallsBackWhenTheFirstMirrorAnswers404() async throws {
        let server = try TestHTTPServer(routes: routes("ok"))
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogLines()
        try downloader(["\(server.baseURL)/gone/", "\(server.baseURL)/ok/"], log: log).fetch(info.files, into: dir.path)
        #expect(dir.contents().count == 2)
        #expect(server.requests.filter { $0.hasPrefix("/gone/") }.count == 2)
        #expect(log.lines.count == 4)
        #expect(log.lines[0].contains("/gone/train-images-idx3-ubyte.gz failed: HTTP 404"))
        #expect(log.lines[1].contains("/ok/train-images-idx3-ubyte.gz ok"))
    }

    @Test func checksumMismatchIsRejectedAndNotCached() async throws {
        var bad = routes("ok")
        var images = files["train-images-idx3-ubyte.gz"]!
        images[images.count - 8] ^= 1
        bad["/ok/train-images-idx3-ubyte.gz"] = .file(images)
        let server = try TestHTTPServer(routes: bad)
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogLines()
        await expectDownloadError(saying: "checksum mismatch") {
            try downloader(["\(server.baseURL)/ok"], log: log).fetch(info.files, into: dir.path)
        }
        #expect(dir.contents().isEmpty)
    }

    @Test func truncatedBodyIsRejected() async throws {
        let images = files["train-images-idx3-ubyte.gz"]!
        let server = try TestHTTPServer(routes: [
            "/cut/train-images-idx3-ubyte.gz": .truncated(Array(images.prefix(20)), declared: images.count),
        ])
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogLines()
        await expectDownloadError(saying: "/cut/train-images-idx3-ubyte.gz") {
            try downloader(["\(server.baseURL)/cut"], log: log).fetch(info.files, into: dir.path)
        }
        #expect(dir.contents().isEmpty)
        #expect(log.lines.count == 1 && log.lines[0].contains("failed"))
    }

    @Test func refusedConnectionFallsThrough() async throws {
        let refused = "http://127.0.0.1:\(try TestHTTPServer.refusedPort())/"
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogLines()
        await expectDownloadError(saying: refused) {
            try downloader([refused], log: log).fetch(info.files, into: dir.path)
        }
        #expect(dir.contents().isEmpty)
        let server = try TestHTTPServer(routes: routes("ok"))
        defer { server.stop() }
        try downloader([refused, "\(server.baseURL)/ok"], log: log).fetch(info.files, into: dir.path)
        #expect(dir.contents().count == 2)
    }

    @Test func silentServerTimesOut() async throws {
        let server = try TestHTTPServer(routes: ["/slow/train-images-idx3-ubyte.gz": .silence(seconds: 10)])
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogLines()
        await expectDownloadError(saying: "/slow/") {
            try downloader(["\(server.baseURL)/slow"], log: log).fetch(info.files[0], into: dir.path)
        }
        // The 2 s timeout fires before the server's 10 s of silence ends: the error is a timeout, not a
        // truncated body.
        #expect(log.lines.count == 1 && log.lines[0].contains("timed out"), "\(log.lines)")
        #expect(dir.contents().isEmpty)
    }

    /// A server that keeps the connection alive with a byte a second never lets an idle timeout fire: the
    /// timeout bounds the whole transfer. (No wall-clock bound here: the awaiting task resumes only when the
    /// test pool has a free thread, minutes later in a full run; DownloadCommandTests times a `dlfs` process.)
    @Test func oneBytePerSecondTimesOut() async throws {
        let server = try TestHTTPServer(routes: ["/drip/train-images-idx3-ubyte.gz": .drip(declared: 1000)])
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = LogLines()
        await expectDownloadError(saying: "/drip/") {
            try downloader(["\(server.baseURL)/drip"], log: log).fetch(info.files[0], into: dir.path)
        }
        #expect(log.lines.count == 1 && log.lines[0].contains("timed out (the file took more than 2.0 s)"), "\(log.lines)")
        #expect(dir.contents().isEmpty)
    }

    @Test func secondLoadComesFromTheCacheWithoutARequest() async throws {
        let server = try TestHTTPServer(routes: routes("ok"))
        defer { server.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        // The mirrors variable replaces the catalogue's list, as DLFS_MNIST_MIRRORS does for MNIST.
        let environment = ["XDG_CACHE_HOME": "\(home.path)/cache", "DLFS_TINY_MIRRORS": " \(server.baseURL)/ok , "]
        let locator = DataLocator(environment: environment) { info, files, directory in
            var d = Downloader(dataset: info, environment: environment)
            d.showsProgress = false
            d.log = { _ in }
            try d.fetch(files, into: directory)
        }
        let first = try Dataset.load(info, split: .train, locator: locator)
        #expect(server.requests.count == 2)
        #expect(locator.cacheDirectory(for: info) == "\(home.path)/cache/dlfs/tiny")
        let second = try Dataset.load(info, split: .train, locator: locator)
        #expect(server.requests.count == 2)
        #expect(first.pixels == second.pixels && second.labels == Fixture.labels)
    }

    /// A cached file is verified (size and SHA-256) whenever the cache is used; a damaged one is downloaded
    /// again, never read as data.
    @Test func damagedCacheFileIsDownloadedAgain() async throws {
        let server = try TestHTTPServer(routes: routes("ok"))
        defer { server.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let environment = ["XDG_CACHE_HOME": "\(home.path)/cache", "DLFS_TINY_MIRRORS": "\(server.baseURL)/ok"]
        let locator = DataLocator(environment: environment) { info, files, directory in
            var d = Downloader(dataset: info, environment: environment)
            d.showsProgress = false
            d.log = { _ in }
            try d.fetch(files, into: directory)
        }
        _ = try Dataset.load(info, split: .train, locator: locator)
        #expect(server.requests.count == 2)
        let images = "\(locator.cacheDirectory(for: info))/\(info.files[0].name)"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: images)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: images))
        let again = try Dataset.load(info, split: .train, locator: locator)
        #expect(server.requests == ["/ok/\(info.files[0].name)", "/ok/\(info.files[1].name)", "/ok/\(info.files[0].name)"])
        #expect(again.pixels == Fixture.pixels && again.labels == Fixture.labels)
    }

    @Test func nothingFoundListsEveryPlace() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let locator = DataLocator(environment: ["HOME": home.path, "DLFS_DATA_DIR": "\(home.path)/data"], allowsDownload: false)
        do {
            _ = try Dataset.load(.mnist, split: .test, locator: locator)
            Issue.record("expected an error")
        } catch let error as DataError {
            #expect(error.kind == .notFound)
            for phrase in ["no directory given", "\(home.path)/data/mnist (no such directory)",
                           "\(home.path)/.cache/dlfs/mnist (no such directory)", "download disabled",
                           "It needs the IDX files t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (gzip or raw)"] {
                #expect(error.description.contains(phrase), "missing \(phrase) in \(error)")
            }
            // The library speaks of its own API; the command line adds its options (`dlfs download`, --data-dir).
            #expect(!error.description.contains("--") && !error.description.contains("dlfs download"), "\(error)")
            #expect(error.dataset == "mnist")
            #expect(!error.description.contains("\n"))
            #expect(error.description.hasPrefix("no mnist data for the test split; looked at: "), "\(error)")
        }
        // Both splits, as training asks for them.
        let both = await #expect(throws: DataError.self) { _ = try await Dataset.load(.mnist, locator: locator) }
        #expect(both?.description.hasPrefix("no mnist data for the train and test splits; looked at: ") == true, "\(String(describing: both))")
    }

    func expectDownloadError(saying phrase: String, sourceLocation: SourceLocation = #_sourceLocation,
                             _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected a download error", sourceLocation: sourceLocation)
        } catch let error as DataError {
            #expect(error.kind == .download, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(phrase), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
        }
    }
}
