import DLFSCore

/// The element types a weight file may hold, spelled as safetensors does.
public enum ArrayDType: String, CaseIterable, Sendable {
    /// IEEE 754 single precision, 4 bytes.
    case float32 = "F32"
    /// IEEE 754 double precision, 8 bytes.
    case float64 = "F64"
    /// Unsigned bytes, such as pixels.
    case uint8 = "U8"
    /// Signed 32-bit integers, such as labels.
    case int32 = "I32"
    /// Signed 64-bit integers, NumPy's default integer type.
    case int64 = "I64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .uint8: 1
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }

    /// Whether a `Tensor<Float>` or `Tensor<Double>` can be made from it.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// The order in which the Python `safetensors` writer lays out data: wider types first (its Rust
    /// enum order, descending), so files written here are byte-identical to its files.
    var safetensorsRank: Int {
        switch self {
        case .uint8: 0
        case .int32: 1
        case .float32: 2
        case .float64: 3
        case .int64: 4
        }
    }
}

/// Bytes of an array of `shape` and `dtype`, or nil when a dimension is negative, the rank exceeds
/// `InputLimits.maximumRank` or the size overflows `Int`: the one check of a shape every reader goes through.
func byteCount(shape: [Int], dtype: ArrayDType) -> Int? {
    guard shape.count <= InputLimits.maximumRank else { return nil }
    var n = dtype.byteSize
    for d in shape {
        guard d >= 0 else { return nil }
        let (p, overflow) = n.multipliedReportingOverflow(by: d)
        if overflow { return nil }
        n = p
    }
    return n
}

/// One named array as stored in a weight file: dtype, shape and raw little-endian, row-major bytes.
public struct NamedArray: Equatable, Sendable {
    /// The array's name in the file, e.g. `W1`.
    public var name: String
    /// The element type as stored.
    public var dtype: ArrayDType
    /// The size of each dimension.
    public var shape: [Int]
    /// `count * dtype.byteSize` bytes, little-endian, row-major (C order).
    public var bytes: [UInt8]

    /// Checks that `bytes` fits `shape` and `dtype`; the readers guarantee this for what they return.
    public init(name: String, dtype: ArrayDType, shape: [Int], bytes: [UInt8]) throws {
        guard let size = byteCount(shape: shape, dtype: dtype) else {
            throw WeightFileError(file: "", "array '\(name)': shape \(shape) is negative, too large or of more than \(InputLimits.maximumRank) dimensions")
        }
        guard size == bytes.count else {
            throw WeightFileError(file: "", "array '\(name)': shape \(shape) of \(dtype.rawValue) needs \(size) bytes, got \(bytes.count)")
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// The array of a tensor, as float32 or float64 by the tensor's scalar type.
    public init<Scalar: TensorScalar>(name: String, tensor: Tensor<Scalar>) {
        let double = Scalar.self == Double.self
        self.name = name
        dtype = double ? .float64 : .float32
        shape = tensor.shape
        bytes = tensor.withUnsafeBufferPointer { buffer in
            var out = [UInt8]()
            out.reserveCapacity(buffer.count * (double ? 8 : 4))
            for x in buffer {
                if double {
                    withUnsafeBytes(of: Double(x).bitPattern.littleEndian) { out.append(contentsOf: $0) }
                } else {
                    withUnsafeBytes(of: Float(x).bitPattern.littleEndian) { out.append(contentsOf: $0) }
                }
            }
            return out
        }
    }

    /// Number of elements.
    public var count: Int { bytes.count / dtype.byteSize }

    /// The elements as a tensor; float32 and float64 convert to either scalar type, integers refuse
    /// (a weight is never an integer array, so an integer here means the wrong file or name).
    public func tensor<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        guard dtype.isFloatingPoint else {
            throw WeightFileError(file: "", "array '\(name)' is \(dtype.rawValue), not a floating-point array")
        }
        return bytes.withUnsafeBytes { raw in
            Tensor<Scalar>(shape: shape) { out in
                if dtype == .float32 {
                    for i in 0..<out.count {
                        let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                        out[i] = Scalar(Float(bitPattern: UInt32(littleEndian: bits)))
                    }
                } else {
                    for i in 0..<out.count {
                        let bits = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                        out[i] = Scalar(Double(bitPattern: UInt64(littleEndian: bits)))
                    }
                }
            }
        }
    }

    /// The elements as `Int64` (any dtype but the floats), for labels and indices.
    public func integers() throws -> [Int64] {
        try bytes.withUnsafeBytes { raw in
            switch dtype {
            case .uint8: return raw.map { Int64($0) }
            case .int32:
                return (0..<count).map { Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
            case .int64:
                return (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            case .float32, .float64:
                throw WeightFileError(file: "", "array '\(name)' is \(dtype.rawValue), not an integer array")
            }
        }
    }
}

/// An ordered collection of named arrays plus the safetensors metadata map: what every weight file
/// reader returns and what the safetensors writer takes.
public struct NamedArrays: Equatable, Sendable {
    /// The arrays in file order.
    public var arrays: [NamedArray]
    /// safetensors `__metadata__`; nil when the file has none (kept apart from an empty map so a
    /// round trip reproduces the file).
    public var metadata: [String: String]?
    /// The file these came from, for error messages ("" when built in memory).
    public var source: String

    /// A collection of arrays, with their metadata and the file they came from.
    public init(_ arrays: [NamedArray] = [], metadata: [String: String]? = nil, source: String = "") {
        self.arrays = arrays
        self.metadata = metadata
        self.source = source
    }

    /// The names in file order.
    public var names: [String] { arrays.map(\.name) }

    /// The array of that name, or nil.
    public subscript(name: String) -> NamedArray? { arrays.first { $0.name == name } }

    /// Adds or replaces the array of that name.
    public mutating func set(_ array: NamedArray) {
        if let i = arrays.firstIndex(where: { $0.name == array.name }) { arrays[i] = array } else { arrays.append(array) }
    }

    /// The named array as a tensor, or an error listing the names there are.
    public func tensor<Scalar: TensorScalar>(_ name: String, as _: Scalar.Type = Scalar.self) throws -> Tensor<Scalar> {
        guard let array = self[name] else {
            let listed = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", … \(names.count - 20) more" : "")
            throw WeightFileError(file: source, "no array named '\(name)' (it has \(listed))")
        }
        do { return try array.tensor(as: Scalar.self) } catch var error as WeightFileError {
            error.file = source
            throw error
        }
    }
}
