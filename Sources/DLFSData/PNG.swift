import CZlib

/// A minimal PNG encoder for 8-bit greyscale images: IHDR, one zlib-compressed IDAT, IEND.
public enum PNG {
    /// The PNG file of a greyscale image; `pixels` is row-major, `width * height` bytes.
    public static func encodeGray(width: Int, height: Int, pixels: [UInt8]) throws -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "pixels do not fill \(width)x\(height)")
        // Each scanline starts with filter type 0 (none).
        var raw = [UInt8]()
        raw.reserveCapacity((width + 1) * height)
        for y in 0..<height {
            raw.append(0)
            raw += pixels[(y * width)..<((y + 1) * width)]
        }
        var compressedSize = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        let status = compressed.withUnsafeMutableBufferPointer { out in
            raw.withUnsafeBufferPointer { compress2(out.baseAddress, &compressedSize, $0.baseAddress, uLong($0.count), 9) }
        }
        guard status == Z_OK else { throw DataError(.unwritable, file: nil, "zlib compress failed (\(status))") }
        compressed.removeLast(compressed.count - Int(compressedSize))

        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 0, 0, 0, 0]   // bit depth 8, greyscale, deflate, adaptive filtering, no interlace
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", header) + chunk("IDAT", compressed) + chunk("IEND", [])
    }

    /// Length, type, data, and the CRC-32 of type and data.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        let crc = typed.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc)
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }
}

extension ImageSet {
    /// The images at `indices` tiled left to right, `columns` per row, each pixel a `scale` x `scale` square,
    /// separated by `gap` pixels of mid grey: (width, height, pixels) ready for `PNG.encodeGray`.
    public func grid(_ indices: [Int], columns: Int, scale: Int = 1, gap: Int = 2) -> (width: Int, height: Int, pixels: [UInt8]) {
        precondition(!indices.isEmpty && columns > 0 && scale > 0 && gap >= 0)
        let tileW = self.columns * scale, tileH = rows * scale
        let across = min(columns, indices.count), down = (indices.count + columns - 1) / columns
        let width = across * tileW + (across + 1) * gap, height = down * tileH + (down + 1) * gap
        var out = [UInt8](repeating: 128, count: width * height)
        for (n, index) in indices.enumerated() {
            let x0 = gap + (n % columns) * (tileW + gap), y0 = gap + (n / columns) * (tileH + gap)
            let image = self.image(at: index)
            for y in 0..<tileH {
                let source = image.startIndex + (y / scale) * self.columns
                for x in 0..<tileW { out[(y0 + y) * width + x0 + x] = image[source + x / scale] }
            }
        }
        return (width, height, out)
    }
}
