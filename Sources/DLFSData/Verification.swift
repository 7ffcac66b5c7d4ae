import Crypto

extension DatasetFile {
    /// Accepts `bytes` when they are the published file (size and SHA-256) or decompress to the known content.
    ///
    /// `source` (a URL or path) names the bytes in the error.
    public func verify(_ bytes: [UInt8], source: String) throws {
        if let compressed, bytes.count == compressed.size, sha256Hex(bytes) == compressed.sha256 { return }
        if let content, Gzip.isCompressed(bytes) {
            // A stream that does not inflate, or inflates to more, is simply not the file.
            if let inflated = try? Gzip.decompress(bytes, file: source, limit: content.size),
               inflated.count == content.size, sha256Hex(inflated) == content.sha256 { return }
        }
        let expected = [compressed.map { "\($0.size) bytes, sha256 \($0.sha256)" },
                        content.map { "decompressing to \($0.size) bytes, sha256 \($0.sha256)" }]
            .compactMap { $0 }.joined(separator: ", or ")
        throw DataError(.checksumMismatch, file: source,
                        "checksum mismatch: got \(bytes.count) bytes, sha256 \(sha256Hex(bytes)); expected \(expected)")
    }
}

/// Lowercase hex SHA-256.
public func sha256Hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digest: SHA256.Digest
    if let fast = bytes.withContiguousStorageIfAvailable({ SHA256.hash(data: UnsafeRawBufferPointer($0)) }) {
        digest = fast
    } else {
        digest = SHA256.hash(data: Array(bytes))
    }
    return digest.map { String($0, radix: 16).leftPadded(2) }.joined()
}
