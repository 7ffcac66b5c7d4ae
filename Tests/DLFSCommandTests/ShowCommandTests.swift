import Foundation
import Testing

@Suite(.enabled(if: RealData.mnistTestSetPresent, "MNIST test set absent from ../shared/data/mnist"))
struct ShowCommandTests {
    @Test func drawsTheFirstTestDigitAsASeven() throws {
        let result = try dlfs(["show", "--data-dir", RealData.mnist, "--split", "test", "--index", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "mnist test #0: label 7")
        #expect(lines.count == 1 + 14 + 1)   // label, 28 rows as 14 lines of half blocks, final newline
        #expect(result.stdout.contains("▀") && result.stdout.contains("▄") && result.stdout.contains("█"))
        #expect(!result.stdout.contains("\u{1B}["), "no ANSI codes when stdout is not a terminal")
        // The 7's top bar: image row 8 holds NumPy's x[0].reshape(28,28)[8, 6:22] all >= 128 → line 4 from column 10.
        #expect(lines[5].contains("███████████"))
    }

    @Test func countsAndLabelsSeveralImages() throws {
        let count = try dlfs(["show", "--data-dir", RealData.mnist, "--count"])
        #expect(count.stdout == "10000\n")
        let labels = try dlfs(["show", "--data-dir", RealData.mnist, "--index", "8", "--index", "9"])
        #expect(labels.stdout.split(separator: "\n").filter { $0.hasPrefix("mnist") } == ["mnist test #8: label 5", "mnist test #9: label 9"])
    }

    @Test func writesAPNGGrid() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("digits.png")
        let result = try dlfs(["show", "--data-dir", RealData.mnist, "--index", "0", "--index", "1",
                                            "--png", path, "--scale", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "wrote \(path): 2 images, 118x60 pixels; labels 7 2\n")
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[16..<24]) == [0, 0, 0, 118, 0, 0, 0, 60])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["digits.png"])
    }

    @Test func anOutOfRangeIndexIsOneErrorLine() throws {
        let result = try dlfs(["show", "--data-dir", RealData.mnist, "--index", "10000"])
        #expect(result.status != 0)
        #expect(result.errorLines == ["error: --index 10000 is outside 0..<10000 for mnist test"])
    }
}

@Suite struct CommandErrorTests {
    @Test func aDirectoryMissingAFileIsOneErrorLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let dir = directory.path
        let result = try dlfs(["show", "--data-dir", dir])
        #expect(result.status != 0)
        #expect(result.errorLines == ["error: \(dir)/t10k-images-idx3-ubyte.gz: missing (neither t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte is in the directory)"])
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func aBadFileIsNamedInOneErrorLine() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let dir = directory.path
        // A raw images file whose magic says float32, beside an empty labels file.
        try Data([0, 0, 0x0D, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: "\(dir)/t10k-images-idx3-ubyte"))
        try Data().write(to: URL(fileURLWithPath: "\(dir)/t10k-labels-idx1-ubyte.gz"))
        let result = try dlfs(["show", "--data-dir", dir])
        #expect(result.status != 0)
        #expect(result.errorLines == ["error: \(dir)/t10k-images-idx3-ubyte: IDX element type 0x0d (float32) is not supported; expected 0x08 (unsigned byte)"])
    }

    @Test func nothingFoundListsThePlacesLooked() throws {
        let homeDirectory = try TemporaryDirectory()
        defer { homeDirectory.cleanUp() }
        let home = homeDirectory.path
        let refused = "http://127.0.0.1:9/"
        let result = try dlfs(["show"], environment: ["HOME": home, "DLFS_MNIST_MIRRORS": refused, "PATH": "/usr/bin:/bin"])
        #expect(result.status != 0)
        let error = try #require(result.errorLines.first)
        #expect(result.errorLines.count == 1)
        #expect(error.hasPrefix("error: no mnist data for the test split; looked at: no directory given; $DLFS_DATA_DIR not set; \(home)/.cache/dlfs/mnist"))
        #expect(error.contains("download into \(home)/.cache/dlfs/mnist failed"))
        #expect(error.contains("run `dlfs download mnist`, or point --data-dir at that directory"))
        #expect(error.contains("`--dataset fashion-mnist` works offline from the Debian package dataset-fashion-mnist"))
        // Nothing partial is left in the cache.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(home)/.cache/dlfs/mnist")) ?? [] == [])
    }

    @Test func unknownDatasetIsOneErrorLine() throws {
        let result = try dlfs(["download", "cifar"])
        #expect(result.status != 0)
        #expect(result.errorLines == ["error: unknown dataset 'cifar'; known datasets: mnist, fashion-mnist"])
    }
}
