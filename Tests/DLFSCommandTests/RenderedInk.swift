import CZlib
import Foundation
import Testing

/// Renders an SVG with `rsvg-convert` (as `expectRenders`) and returns the share of its pixels that are not
/// white, so a figure that renders blank fails; nil when rsvg-convert is not on PATH.
func renderedInk(_ svg: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Double? {
    try expectRenders(svg)
    let png = svg.deletingPathExtension().appendingPathExtension("png")
    guard FileManager.default.fileExists(atPath: png.path) else { return nil }
    let image = try #require(DecodedPNG([UInt8](try Data(contentsOf: png))), "\(png.lastPathComponent) does not decode",
                             sourceLocation: sourceLocation)
    return Double(image.inkedPixels) / Double(image.width * image.height)
}

/// An 8-bit RGB or RGBA PNG (what rsvg-convert writes) decoded far enough to count pixels: chunks, zlib,
/// and the five scanline filters of the PNG specification.
struct DecodedPNG {
    let width, height, channels: Int
    /// Rows of width × channels bytes, unfiltered.
    let pixels: [UInt8]

    init?(_ file: [UInt8]) {
        guard file.count > 8, file.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        var offset = 8, header: [UInt8] = [], compressed: [UInt8] = []
        while offset + 8 <= file.count {
            let length = file[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: file[offset + 4..<offset + 8], as: UTF8.self)
            guard offset + 12 + length <= file.count else { return nil }
            let data = file[offset + 8..<offset + 8 + length]
            if type == "IHDR" { header = Array(data) } else if type == "IDAT" { compressed += data }
            offset += 12 + length
        }
        // Bit depth 8, colour type 2 (RGB) or 6 (RGBA), no interlacing.
        guard header.count == 13, header[8] == 8, header[9] == 2 || header[9] == 6, header[12] == 0 else { return nil }
        width = header[0..<4].reduce(0) { $0 << 8 | Int($1) }
        height = header[4..<8].reduce(0) { $0 << 8 | Int($1) }
        channels = header[9] == 6 ? 4 : 3
        var raw = [UInt8](repeating: 0, count: height * (1 + width * channels))
        var size = uLongf(raw.count)
        guard uncompress(&raw, &size, compressed, uLong(compressed.count)) == Z_OK, Int(size) == raw.count else { return nil }
        guard let pixels = Self.unfilter(raw, width: width, height: height, channels: channels) else { return nil }
        self.pixels = pixels
    }

    /// Pixels that are neither white nor fully transparent.
    var inkedPixels: Int {
        stride(from: 0, to: pixels.count, by: channels).count { p in
            let transparent = channels == 4 && pixels[p + 3] == 0
            return !transparent && (pixels[p] < 250 || pixels[p + 1] < 250 || pixels[p + 2] < 250)
        }
    }

    /// Undoes each row's filter: None, Sub, Up, Average or Paeth, from the row's first byte.
    static func unfilter(_ raw: [UInt8], width: Int, height: Int, channels: Int) -> [UInt8]? {
        let stride = width * channels
        var out = [UInt8](repeating: 0, count: height * stride)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            for i in 0..<stride {
                let x = Int(raw[row * (stride + 1) + 1 + i])
                let a = i >= channels ? Int(out[row * stride + i - channels]) : 0
                let b = row > 0 ? Int(out[(row - 1) * stride + i]) : 0
                let c = row > 0 && i >= channels ? Int(out[(row - 1) * stride + i - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c, (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: return nil
                }
                out[row * stride + i] = UInt8((x + predicted) & 0xFF)
            }
        }
        return out
    }
}
