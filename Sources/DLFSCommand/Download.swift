import ArgumentParser
import DLFS
import Foundation

/// `dlfs download <dataset>`: fetch and verify a dataset's files into the cache (or `--data-dir`).
struct Download: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a dataset and verify its size and SHA-256 before keeping it.",
        discussion: """
            Mirrors are tried in order, one line each on stderr. --mirror (repeatable) or the environment \
            variable DLFS_MNIST_MIRRORS (comma-separated base URLs) replaces the built-in list.
            """)

    @Argument(help: "The dataset: mnist or fashion-mnist.")
    var dataset: String

    @Option(name: .customLong("mirror"), help: "A base URL to fetch the files from, instead of the built-in mirrors (repeatable).")
    var mirrors: [String] = []

    @Option(help: "Where to store the files (default: $XDG_CACHE_HOME/dlfs/<dataset>, else ~/.cache/dlfs/<dataset>).")
    var dataDir: String?

    @Option(help: "Only the files of this split: train or test (default: both).")
    var split: Split?

    @Option(parsing: .unconditional, help: "Seconds a mirror may take to deliver one file (from 0.001 to 86400).")
    var timeout: Double = 300

    func validate() throws {
        try requireNumber(timeout, "--timeout", in: 0.001...86_400)
    }

    func run() async throws {
        let info = try DatasetInfo.named(dataset)
        let directory = dataDir ?? DataLocator().cacheDirectory(for: info)
        var downloader = Downloader(dataset: info, mirrors: mirrors.isEmpty ? nil : mirrors)
        downloader.timeout = timeout
        let files = info.files(for: split.map { [$0] } ?? Split.allCases)
        try downloader.fetch(files, into: directory)
        print("\(info.name): \(files.count) files verified in \(directory)")
    }
}
