import Foundation
import Testing
@testable import DLFSData

/// Expects `body` to throw a DataError of `kind` whose description names `file` and contains `phrase`.
func expectDataError(_ kind: DataError.Kind, naming file: String, saying phrase: String,
                     sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a \(kind) error, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DataError {
        #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(file), "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(phrase), "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct IDXTests {
    @Test func rawAndGzipFilesParseToTheSameArray() throws {
        let raw = try IDX.parse(Fixture.imagesIDX, file: "raw")
        let gz = try IDX.parse(Gzip.compress(Fixture.imagesIDX), file: "gz")
        #expect(raw.dimensions == [3, 2, 2])
        #expect(raw.bytes == Fixture.pixels)
        #expect(gz == raw)
        // Two concatenated gzip members read as one stream, as gzip(1) does.
        let halves = try Gzip.compress(Array(Fixture.labelsIDX[..<6])) + Gzip.compress(Array(Fixture.labelsIDX[6...]))
        #expect(try IDX.parse(halves, file: "members").bytes == Fixture.labels)
    }

    @Test func headerEncodingIsBigEndian() {
        #expect(IDX.encode(dimensions: [258], bytes: [UInt8](repeating: 1, count: 258)).prefix(8) == [0, 0, 8, 1, 0, 0, 1, 2])
    }

    @Test func sha256MatchesTheFIPSVector() {
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func truncatedGzipIsRefused() throws {
        let gz = try Gzip.compress(Fixture.imagesIDX)
        expectDataError(.truncated, naming: "cut.gz", saying: "truncated") {
            _ = try IDX.parse(Array(gz.dropLast(4)), file: "cut.gz")
        }
        let big = try Gzip.compress(IDX.encode(dimensions: [100, 28, 28], bytes: (0..<78400).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
        expectDataError(.truncated, naming: "half.gz", saying: "truncated") {
            _ = try IDX.parse(Array(big.prefix(big.count / 2)), file: "half.gz")
        }
    }

    @Test func badCRCIsRefused() throws {
        var gz = try Gzip.compress(Fixture.imagesIDX)
        gz[gz.count - 8] ^= 0xff   // first byte of the CRC-32 trailer
        expectDataError(.corrupt, naming: "crc.gz", saying: "incorrect data check") {
            _ = try IDX.parse(gz, file: "crc.gz")
        }
    }

    @Test func wrongMagicIsRefused() throws {
        var bytes = Fixture.imagesIDX
        bytes[0] = 0x12
        expectDataError(.badMagic, naming: "magic", saying: "not an IDX file (magic 0x12000803") {
            _ = try IDX.parse(bytes, file: "magic")
        }
        expectDataError(.badMagic, naming: "magic.gz", saying: "not an IDX file") {
            _ = try IDX.parse(Gzip.compress(Array("hello, world".utf8)), file: "magic.gz")
        }
    }

    @Test func wrongElementTypeIsRefused() throws {
        var bytes = Fixture.imagesIDX
        bytes[2] = 0x0D
        expectDataError(.badElementType, naming: "float.gz", saying: "0x0d (float32) is not supported") {
            _ = try IDX.parse(Gzip.compress(bytes), file: "float.gz")
        }
    }

    @Test func wrongRankIsRefused() {
        let twoDims = IDX.encode(dimensions: [3, 4], bytes: [UInt8](repeating: 0, count: 12))
        expectDataError(.badDimensions, naming: "rank2", saying: "2 dimensions; expected 1 (labels) or 3 (images)") {
            _ = try IDX.parse(twoDims, file: "rank2")
        }
    }

    @Test func emptyAndShortFilesAreRefused() {
        expectDataError(.empty, naming: "empty", saying: "empty") { _ = try IDX.parse([], file: "empty") }
        expectDataError(.truncated, naming: "short", saying: "header needs 16 bytes") {
            _ = try IDX.parse(Array(Fixture.imagesIDX.prefix(10)), file: "short")
        }
        expectDataError(.truncated, naming: "cut", saying: "declares [3, 2, 2] = 12 bytes of data, the file holds 11") {
            _ = try IDX.parse(Array(Fixture.imagesIDX.dropLast()), file: "cut")
        }
        expectDataError(.trailingData, naming: "long", saying: "1 bytes after") {
            _ = try IDX.parse(Fixture.imagesIDX + [0], file: "long")
        }
    }

    @Test func hugeDeclaredSizesFailWithoutAllocating() throws {
        let overflowing: [UInt8] = [0, 0, 8, 3] + [UInt8](repeating: 0xff, count: 12)
        expectDataError(.tooLarge, naming: "overflow", saying: "overflow") { _ = try IDX.parse(overflowing, file: "overflow") }
        // 4 TB declared by a 40-byte gzip file: refused by the deflate ratio bound before any allocation.
        let terabytes: [UInt8] = [0, 0, 8, 3, 0, 0x0f, 0x42, 0x40, 0, 0x0f, 0x42, 0x40, 0, 0x0f, 0x42, 0x40]
        expectDataError(.tooLarge, naming: "bomb.gz", saying: "more than a") {
            _ = try IDX.parse(Gzip.compress(terabytes), file: "bomb.gz")
        }
        expectDataError(.truncated, naming: "raw", saying: "the file holds 0") { _ = try IDX.parse(terabytes, file: "raw") }
    }

    @Test func trailingGarbageAfterGzipIsRefused() throws {
        let gz = try Gzip.compress(Fixture.labelsIDX) + [1, 2, 3]
        expectDataError(.trailingData, naming: "tail.gz", saying: "3 bytes of garbage") { _ = try IDX.parse(gz, file: "tail.gz") }
    }

    @Test func unreadablePathsNameTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        expectDataError(.unreadable, naming: "\(dir.path)/nope.gz", saying: "No such file") {
            _ = try IDX.read(path: "\(dir.path)/nope.gz")
        }
        expectDataError(.unreadable, naming: dir.path, saying: "not a regular file") { _ = try IDX.read(path: dir.path) }
    }
}
