import CZlib

/// gzip through the system zlib: a streaming inflater that reads into caller-owned memory (so IDX payloads
/// are decompressed straight into their final buffer), and a one-shot compressor for writing fixtures.
public enum Gzip {
    /// True when `bytes` start with the gzip magic 1f 8b.
    public static func isCompressed<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var it = bytes.makeIterator()
        return it.next() == 0x1f && it.next() == 0x8b
    }

    /// The whole decompressed content of a gzip stream (all members), CRC and length checked.
    ///
    /// Decompression stops with `tooLarge` past `limit` bytes, so a small hostile file cannot fill memory.
    public static func decompress(_ bytes: [UInt8], file: String = "<memory>", limit: Int = 1 << 31) throws -> [UInt8] {
        try bytes.withUnsafeBytes { input in
            let inflater = try Inflater(input, file: file)
            var out: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = try chunk.withUnsafeMutableBytes { try inflater.read(into: $0) }
                if n == 0 { break }
                guard out.count + n <= limit else {
                    throw DataError(.tooLarge, file: file, "decompresses to more than \(limit) bytes")
                }
                out.append(contentsOf: chunk[0..<n])
            }
            return out
        }
    }

    /// A gzip stream (one member, no file name, mtime 0) holding `bytes`.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw DataError(.unwritable, file: nil, "zlib deflateInit2 failed") }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        let status = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output -> Int32 in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = output.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(output.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw DataError(.unwritable, file: nil, "zlib deflate failed (\(status))") }
        out.removeLast(out.count - Int(stream.total_out))
        return out
    }

    /// Streams decompressed bytes out of borrowed gzip input; valid only while that input is alive.
    ///
    /// A stream that ends before its trailer is `truncated`; a bad CRC, length or deflate block is `corrupt`.
    /// Concatenated gzip members are read as one stream, as gzip(1) does.
    final class Inflater {
        private var stream = z_stream()
        private let file: String
        private(set) var isAtEnd = false

        init(_ input: UnsafeRawBufferPointer, file: String) throws {
            self.file = file
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            // 15 + 32: a 32 KiB window, gzip or zlib header detected automatically.
            guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw DataError(.corrupt, file: file, "zlib could not start inflating")
            }
        }

        deinit { inflateEnd(&stream) }

        /// Fills `buffer` as far as the stream allows; returns the bytes written (0 only at the end).
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            var written = 0
            while written < buffer.count && !isAtEnd {
                let chunk = min(buffer.count - written, Int(UInt32.max))
                stream.next_out = buffer.baseAddress!.advanced(by: written).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(chunk)
                let status = inflate(&stream, Z_NO_FLUSH)
                written += chunk - Int(stream.avail_out)
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    try startNextMemberOrFinish()
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw DataError(.truncated, file: file,
                                    "gzip stream is truncated (ends after \(stream.total_out) decompressed bytes)")
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DataError(.corrupt, file: file, "gzip data is corrupt (\(reason))")
                }
            }
            return written
        }

        /// Reads exactly `buffer.count` bytes or throws `truncated`.
        func readExactly(into buffer: UnsafeMutableRawBufferPointer, what: String) throws {
            let n = try read(into: buffer)
            guard n == buffer.count else {
                throw DataError(.truncated, file: file, "\(what): expected \(buffer.count) bytes, the data ends after \(n)")
            }
        }

        /// After a member's trailer (CRC and length verified by zlib), continue with the next one if present.
        private func startNextMemberOrFinish() throws {
            guard stream.avail_in > 0 else { isAtEnd = true; return }
            if stream.avail_in >= 2 && stream.next_in[0] == 0x1f && stream.next_in[1] == 0x8b {
                guard inflateReset(&stream) == Z_OK else {
                    throw DataError(.corrupt, file: file, "zlib could not restart for the next gzip member")
                }
            } else {
                throw DataError(.trailingData, file: file, "\(stream.avail_in) bytes of garbage after the gzip stream")
            }
        }
    }
}
