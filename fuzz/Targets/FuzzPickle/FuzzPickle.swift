import DLFS

/// The NumPy pickle reader. Every array it accepts must convert to a tensor (floats) or integers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let arrays = try? NumPyPickle.decode(bytes, file: "fuzz.pkl") else { return 0 }
    for array in arrays.arrays {
        if array.dtype.isFloatingPoint {
            let tensor = try? array.tensor(as: Float.self)
            precondition(tensor?.shape == array.shape, "tensor of \(array.name) has the wrong shape")
        } else {
            precondition((try? array.integers())?.count == array.count, "integers of \(array.name) are missing")
        }
    }
    return 0
}
