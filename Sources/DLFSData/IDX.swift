import DLFSCore

/// An IDX array of unsigned bytes (the MNIST file format): its dimensions and its elements, row-major.
public struct IDXArray: Sendable, Equatable {
    /// The size of each dimension, e.g. [10000, 28, 28].
    public let dimensions: [Int]
    /// The elements, row-major.
    public let bytes: [UInt8]
}

/// Reads and writes IDX files: a big-endian magic `00 00 <type> <rank>`, `rank` UInt32 dimensions, data.
///
/// Only element type 0x08 (unsigned byte) with 1 dimension (labels) or 3 (images) is accepted; every other
/// header is refused with a `DataError` naming the file. gzip files (magic 1f 8b) are inflated on the fly.
public enum IDX {
    /// The largest expansion deflate can achieve (about 1032:1), bounding what a gzip file can declare.
    static let maxDeflateRatio = 1032

    /// Reads an IDX file, gzip-compressed or raw. A raw file's size is checked against its header before
    /// the data is read, so a huge file with a small header costs nothing.
    public static func read(path: String) throws -> IDXArray {
        let input = try open(path)
        do {
            let head = try input.read(0..<16)
            if !Gzip.isCompressed(head), head.count >= 4, let layout = try rawLayout(head, file: path) {
                try checkPayload(layout, actual: input.size - layout.headerSize, file: path)
            }
            return try parse(input.readAll(), file: path)
        } catch let error as FileReadError {
            throw DataError(error.isTooLarge ? .tooLarge : .unreadable, file: path, error.reason)
        }
    }

    /// Parses IDX bytes held in memory, gzip-compressed or raw; `file` names them in errors.
    public static func parse(_ data: [UInt8], file: String) throws -> IDXArray {
        guard !data.isEmpty else { throw DataError(.empty, file: file, "the file is empty") }
        if Gzip.isCompressed(data) { return try parseCompressed(data, file: file) }
        guard data.count >= 4 else { throw DataError(.truncated, file: file, "only \(data.count) bytes, shorter than an IDX magic") }
        guard let layout = try rawLayout(data[...], file: file) else {
            let headerSize = 4 + 4 * Int(data[3])
            throw DataError(.truncated, file: file, "the IDX header needs \(headerSize) bytes, the file has \(data.count)")
        }
        try checkPayload(layout, actual: data.count - layout.headerSize, file: file)
        return IDXArray(dimensions: layout.dimensions, bytes: Array(data[layout.headerSize...]))
    }

    /// A raw IDX header: its size, dimensions and the data size they declare.
    struct RawLayout {
        let headerSize: Int
        let dimensions: [Int]
        let payload: Int
    }

    /// The layout `head` (at least the 4-byte magic) declares, or nil when the header is cut short.
    static func rawLayout(_ head: some Collection<UInt8>, file: String) throws -> RawLayout? {
        let head = Array(head)
        let rank = try checkMagic(head[0], head[1], head[2], head[3], file: file)
        let headerSize = 4 + 4 * rank
        guard head.count >= headerSize else { return nil }
        let dims = dimensions(head[4..<headerSize], file: file)
        return RawLayout(headerSize: headerSize, dimensions: dims, payload: try payloadSize(dims, file: file))
    }

    /// `actual` data bytes must be exactly what the header declares.
    static func checkPayload(_ layout: RawLayout, actual: Int, file: String) throws {
        let (dims, payload) = (layout.dimensions, layout.payload)
        guard actual >= payload else {
            throw DataError(.truncated, file: file, "the header declares \(dims) = \(payload) bytes of data, the file holds \(actual)")
        }
        guard actual == payload else {
            throw DataError(.trailingData, file: file, "\(actual - payload) bytes after the \(payload) bytes the header \(dims) declares")
        }
    }

    /// An uncompressed IDX file holding `bytes` with the given dimensions (1 or 3 of them).
    public static func encode(dimensions: [Int], bytes: [UInt8]) -> [UInt8] {
        precondition(dimensions.reduce(1, *) == bytes.count, "dimensions \(dimensions) do not match \(bytes.count) bytes")
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions {
            let v = UInt32(d)
            out += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
        }
        return out + bytes
    }

    /// Inflates the header first, checks it, then inflates the payload straight into its final array.
    private static func parseCompressed(_ data: [UInt8], file: String) throws -> IDXArray {
        try data.withUnsafeBytes { input in
            let inflater = try Gzip.Inflater(input, file: file)
            var magic = [UInt8](repeating: 0, count: 4)
            try magic.withUnsafeMutableBytes { try inflater.readExactly(into: $0, what: "IDX magic") }
            let rank = try checkMagic(magic[0], magic[1], magic[2], magic[3], file: file)
            var header = [UInt8](repeating: 0, count: 4 * rank)
            try header.withUnsafeMutableBytes { try inflater.readExactly(into: $0, what: "IDX dimensions") }
            let dims = dimensions(header[...], file: file)
            let payload = try payloadSize(dims, file: file)
            let (bound, overflow) = data.count.multipliedReportingOverflow(by: maxDeflateRatio)
            guard overflow || payload <= bound else {
                throw DataError(.tooLarge, file: file,
                                "the header declares \(dims) = \(payload) bytes, more than a \(data.count)-byte gzip file can hold")
            }
            guard payload <= InputLimits.maximumFileSize else {
                throw DataError(.tooLarge, file: file, "the header declares \(dims) = \(payload) bytes; data over "
                                + "\(InputLimits.maximumFileSize >> 20) MiB is not read")
            }
            let bytes = try [UInt8](unsafeUninitializedCapacity: payload) { buffer, initialized in
                let n = try inflater.read(into: UnsafeMutableRawBufferPointer(buffer))
                initialized = n
                guard n == payload else {
                    throw DataError(.truncated, file: file, "the header declares \(dims) = \(payload) bytes of data, the stream holds \(n)")
                }
            }
            // One more read reaches the gzip trailer, so zlib verifies the CRC and length.
            var extra = [UInt8](repeating: 0, count: 1)
            let more = try extra.withUnsafeMutableBytes { try inflater.read(into: $0) }
            guard more == 0 else {
                throw DataError(.trailingData, file: file, "more data than the header \(dims) declares")
            }
            return IDXArray(dimensions: dims, bytes: bytes)
        }
    }

    /// Validates the 4-byte magic and returns the rank.
    private static func checkMagic(_ b0: UInt8, _ b1: UInt8, _ type: UInt8, _ rank: UInt8, file: String) throws -> Int {
        guard b0 == 0, b1 == 0 else {
            let magic = [b0, b1, type, rank].map { String($0, radix: 16).leftPadded(2) }.joined()
            throw DataError(.badMagic, file: file, "not an IDX file (magic 0x\(magic); IDX starts with 00 00 08)")
        }
        guard type == 0x08 else {
            let names: [UInt8: String] = [0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32", 0x0E: "float64"]
            let name = names[type].map { " (\($0))" } ?? ""
            throw DataError(.badElementType, file: file,
                            "IDX element type 0x\(String(type, radix: 16).leftPadded(2))\(name) is not supported; expected 0x08 (unsigned byte)")
        }
        guard rank == 1 || rank == 3 else {
            throw DataError(.badDimensions, file: file, "IDX array has \(rank) dimensions; expected 1 (labels) or 3 (images)")
        }
        return Int(rank)
    }

    private static func dimensions(_ header: ArraySlice<UInt8>, file: String) -> [Int] {
        stride(from: header.startIndex, to: header.endIndex, by: 4).map { i in
            Int(header[i]) << 24 | Int(header[i + 1]) << 16 | Int(header[i + 2]) << 8 | Int(header[i + 3])
        }
    }

    /// The product of the dimensions, refused when it overflows.
    private static func payloadSize(_ dims: [Int], file: String) throws -> Int {
        var total = 1
        for d in dims {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow else { throw DataError(.tooLarge, file: file, "the IDX dimensions \(dims) overflow") }
            total = product
        }
        return total
    }

    /// The file opened for reading, or an error saying why it cannot be.
    static func open(_ path: String) throws -> InputFile {
        do { return try InputFile(path) } catch { throw DataError(.unreadable, file: path, error.reason) }
    }

    /// The whole file, with errors that say why it could not be read.
    static func readFile(_ path: String) throws -> [UInt8] {
        do { return try open(path).readAll() } catch let error as FileReadError {
            throw DataError(error.isTooLarge ? .tooLarge : .unreadable, file: path, error.reason)
        }
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
