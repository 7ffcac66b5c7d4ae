import DLFS

/// The gzip path: whole-stream decompression with a small limit, then compressing the result back
/// must decompress to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let plain = try? Gzip.decompress(bytes, file: "fuzz.gz", limit: 1 << 20) else { return 0 }
    guard let again = try? Gzip.compress(plain) else { preconditionFailure("cannot compress what was decompressed") }
    precondition((try? Gzip.decompress(again, file: "again.gz")) == plain, "round trip differs")
    return 0
}
