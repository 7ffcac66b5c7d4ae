import Foundation
import Testing

/// `dlfs download` against `python3 -m http.server` on 127.0.0.1 serving the genuine MNIST test files,
/// so the catalogue's real checksums are what gets verified.
@Suite(.enabled(if: RealData.mnistTestSetPresent, "MNIST test set absent from ../shared/data/mnist"))
struct DownloadCommandTests {
    @Test func downloadsTheTestSplitThroughAMirrorAndKeepsItVerified() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", RealData.mnist, "0"]
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.nullDevice
        try server.run()
        // SIGKILL: the test runner's children may inherit an ignored SIGTERM, which would leave the server running.
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        var banner = ""
        while !banner.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            banner += String(decoding: data, as: UTF8.self)
        }
        let port = try #require(banner.split(separator: " ").firstIndex(of: "port").map { banner.split(separator: " ")[$0 + 1] })
        let temporary = try TemporaryDirectory()
        defer { temporary.cleanUp() }
        let dir = temporary.file("mnist")  // not there yet: download creates it

        let first = try dlfs(["download", "mnist", "--split", "test", "--data-dir", dir,
                                           "--mirror", "http://127.0.0.1:\(port)/missing/", "--mirror", "http://127.0.0.1:\(port)/"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "mnist: 2 files verified in \(dir)\n")
        let lines = first.stderr.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].contains("/missing/t10k-images-idx3-ubyte.gz failed: HTTP 404"))
        #expect(lines[1].contains("t10k-images-idx3-ubyte.gz ok, 1648877 bytes, checksum verified"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])

        let second = try dlfs(["download", "mnist", "--split", "test", "--data-dir", dir, "--mirror", "http://127.0.0.1:9/"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.split(separator: "\n").allSatisfy { $0.contains("already in") })
    }

    /// A mirror that sends one byte a second: `--timeout 5` gives up within 10 s, waiting without spinning
    /// (URLSession on Linux took 80-90 % of a core while it waited, and never timed out).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time")))
    func oneBytePerSecondMirrorTimesOutWithoutSpinning() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-u", "-c", """
            import socket, time
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4); print(s.getsockname()[1], flush=True)
            while True:
                c, _ = s.accept()
                c.recv(65536)
                try:
                    c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 1000000\\r\\n\\r\\n")
                    while True: c.sendall(b"x"); time.sleep(1)
                except OSError: c.close()
            """]
        let out = Pipe()
        server.standardOutput = out
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        let port = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let temporary = try TemporaryDirectory()
        defer { temporary.cleanUp() }
        let times = temporary.file("times")
        let result = try dlfs(["download", "mnist", "--split", "test", "--data-dir", temporary.file("mnist"), "--timeout", "5",
                               "--mirror", "http://127.0.0.1:\(port)/"],
                              wrapper: ["/usr/bin/time", "-o", times, "-f", "%e %U %S"])
        #expect(result.status == 1 && !result.signaled, "\(result.stderr)")
        #expect(result.errorLines.count == 1 && result.stderr.contains("timed out (the file took more than 5.0 s)"), "\(result.stderr)")
        // The last line is "wall user system" (time(1) writes "Command exited with non-zero status 1" before it).
        let last = try String(contentsOfFile: times, encoding: .utf8).split(separator: "\n").last ?? ""
        let figures = last.split(separator: " ").compactMap { Double($0) }
        try #require(figures.count == 3, "\(figures)")
        #expect(figures[0] < 10, "wall \(figures[0]) s")
        #expect(figures[1] + figures[2] < 1, "CPU \(figures[1] + figures[2]) s")
    }
}
