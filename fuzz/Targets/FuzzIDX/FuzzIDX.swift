import DLFS

/// IDX parser, raw and gzip-wrapped. A raw file that parses must re-encode to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let array = try? IDX.parse(bytes, file: "fuzz.idx") else { return 0 }
    precondition(array.dimensions.reduce(1, *) == array.bytes.count, "dimensions do not match the data")
    if !Gzip.isCompressed(bytes) {
        precondition(IDX.encode(dimensions: array.dimensions, bytes: array.bytes) == bytes, "round trip differs")
    }
    return 0
}
