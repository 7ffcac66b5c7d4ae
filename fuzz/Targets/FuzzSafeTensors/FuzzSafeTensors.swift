import DLFS

/// The safetensors reader. A file it accepts must survive encode and decode unchanged (names, dtypes,
/// shapes, bytes, metadata), as `dlfs convert` relies on.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let arrays = try? SafeTensors.decode(bytes, file: "fuzz.safetensors") else { return 0 }
    guard let encoded = try? SafeTensors.encode(arrays) else { return 0 }  // e.g. an array named twice is refused
    guard let again = try? SafeTensors.decode(encoded, file: "again.safetensors") else {
        preconditionFailure("cannot read back what was written")
    }
    precondition(again.metadata == arrays.metadata, "metadata differs after a round trip")
    let byName = { (a: NamedArrays) in a.arrays.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) } }
    precondition(byName(again) == byName(arrays), "arrays differ after a round trip")
    return 0
}
