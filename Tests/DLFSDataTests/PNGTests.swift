import Foundation
import Testing
@testable import DLFSData

@Suite struct PNGTests {
    @Test func gridRoundTripsThroughThePNGChunks() throws {
        let set = try ImageSet(pixels: Fixture.pixels, labels: Fixture.labels, rows: 2, columns: 2, classCount: 10)
        let grid = set.grid([1, 0], columns: 2, scale: 2, gap: 1)
        #expect(grid.width == 11 && grid.height == 6)
        // Row 1 (the first pixel row of the tiles): gap, image 1's 1 1 2 2, gap, image 0's 0 0 255 255, gap.
        #expect(Array(grid.pixels[11..<22]) == [128, 1, 1, 2, 2, 128, 0, 0, 255, 255, 128])
        let png = try PNG.encodeGray(width: grid.width, height: grid.height, pixels: grid.pixels)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        #expect(Array(png[16..<26]) == [0, 0, 0, 11, 0, 0, 0, 6, 8, 0])
        // CRC of IHDR as Python computes it: zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 11, 6, 8, 0, 0, 0, 0)).
        #expect(Array(png[29..<33]) == PNG.bigEndian(0x3059_3B24))
        let idatLength = Int(png[33]) << 24 | Int(png[34]) << 16 | Int(png[35]) << 8 | Int(png[36])
        #expect(Array(png[37..<41]) == Array("IDAT".utf8))
        let scanlines = try Gzip.decompress(Array(png[41..<(41 + idatLength)]))
        let expected: [UInt8] = (0..<6).flatMap { y -> [UInt8] in [0] + Array(grid.pixels[(y * 11)..<((y + 1) * 11)]) }
        #expect(scanlines == expected)
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82])
    }

    @Test func halfBlocksPairRows() {
        let pixels: [UInt8] = [255, 0, 200, 10,
                               255, 255, 0, 0,
                               0, 255, 0, 0]
        #expect(TerminalImage.lines(pixels, rows: 3, columns: 4, color: false) == ["█▄▀ ", " ▀  "])
        let colored = TerminalImage.lines([0, 255], rows: 2, columns: 1, color: true)
        #expect(colored == ["\u{1B}[38;5;16m\u{1B}[48;5;231m▀\u{1B}[0m"])
    }
}
