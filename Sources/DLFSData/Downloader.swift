import Foundation

/// Fetches dataset files from mirrors in order, verifying size and SHA-256 before a file is accepted.
///
/// A file is held in memory, verified, written to a temporary name and renamed, so the cache never holds a
/// partial or wrong file. One line per mirror tried goes to `log` (stderr); a progress bar is drawn on
/// stderr when it is a terminal.
/// ```swift
/// try Downloader(dataset: .mnist).fetch(DatasetInfo.mnist.files, into: cacheDirectory)
/// ```
public struct Downloader: Sendable {
    /// The dataset whose files are fetched and verified.
    public let dataset: DatasetInfo
    /// Base URLs, tried in order; a file's URL is the base, a `/`, and the file name.
    public var mirrors: [String]
    /// Seconds a mirror may take to deliver one file, connection included; a slower mirror is abandoned.
    public var timeout: TimeInterval = 300
    /// The HTTP User-Agent sent to the mirrors.
    public var userAgent = "dlfs/0.1 (Deep Learning from Scratch in Swift; dataset downloader)"
    /// Whether a progress bar is drawn on stderr (by default when it is a terminal).
    public var showsProgress = isatty(2) != 0
    /// Receives one line per mirror tried; stderr by default.
    public var log: @Sendable (String) -> Void = { standardError($0 + "\n") }

    /// `mirrors` (e.g. from `--mirror`) replace the catalogue's list, as does the dataset's mirrors variable
    /// (`DLFS_MNIST_MIRRORS`, comma-separated) in `environment`.
    public init(dataset: DatasetInfo, mirrors: [String]? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.dataset = dataset
        let fromEnvironment = environment[dataset.mirrorsVariable].map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        self.mirrors = mirrors.flatMap { $0.isEmpty ? nil : $0 } ?? fromEnvironment.flatMap { $0.isEmpty ? nil : $0 } ?? dataset.mirrors
    }

    /// Makes sure each file is in `directory`, verified, downloading those that are absent or wrong.
    public func fetch(_ files: [DatasetFile], into directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError(.unwritable, file: directory, "cannot create the directory: \(error.localizedDescription)")
        }
        for file in files { try fetch(file, into: directory) }
    }

    /// One file; returns its path. A present file that verifies is kept without a request.
    @discardableResult
    public func fetch(_ file: DatasetFile, into directory: String) throws -> String {
        let target = "\(directory)/\(file.name)"
        if FileManager.default.fileExists(atPath: target) {
            if (try? file.verify(IDX.readFile(target), source: target)) != nil {
                log("\(file.name): already in \(directory), checksum verified")
                return target
            }
            log("\(file.name): the copy in \(directory) fails verification; downloading it again")
        }
        let limit = max(file.compressed?.size ?? 0, file.content?.size ?? 0) + (1 << 20)
        var failures: [String] = []
        for base in mirrors {
            let address = base.hasSuffix("/") ? base + file.name : base + "/" + file.name
            guard let url = URL(string: address), url.scheme != nil else {
                log("\(file.name): \(address) skipped: not a URL")
                failures.append("\(address): not a URL")
                continue
            }
            do {
                let data = try Transfer.get(url, timeout: timeout, userAgent: userAgent, limit: limit,
                                                  progress: progressBar(for: file.name))
                if showsProgress { standardError("\r\u{1B}[K") }
                let bytes = [UInt8](data)
                try file.verify(bytes, source: address)
                try writeAtomically(bytes, to: target)
                log("\(file.name): \(address) ok, \(bytes.count) bytes, checksum verified")
                return target
            } catch {
                if showsProgress { standardError("\r\u{1B}[K") }
                log("\(file.name): \(address) failed: \(error)")
                failures.append("\(address): \(error)")
            }
        }
        throw DataError(.download, file: file.name,
                        "no mirror served a valid copy (\(failures.isEmpty ? "no mirrors configured" : failures.joined(separator: "; ")))")
    }

    private func progressBar(for name: String) -> Transfer.Progress? {
        guard showsProgress else { return nil }
        return { received, expected in
            let megabytes = String(format: "%.1f", Double(received) / 1_048_576)
            guard let expected, expected > 0 else { standardError("\r\(name) \(megabytes) MB"); return }
            let width = 30
            let filled = min(width, received * width / expected)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            standardError("\r\(name) [\(bar)] \(min(100, received * 100 / expected))% \(megabytes) MB")
        }
    }
}

/// Writes to stderr unbuffered.
func standardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
