import DLFSCore
import DLFSNN

/// The book's pickles of NumPy arrays, read without Python and without running anything they name.
public enum NumPyPickle {
    /// Reads a pickle (protocol 2 to 5) of a dict of NumPy arrays.
    public static func read(_ path: String) throws -> NamedArrays {
        try decode(readWholeFile(path), file: path)
    }

    /// Parses pickle bytes; `file` names them in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> NamedArrays {
        var machine = PickleMachine(file: file, bytes: bytes)
        let root = try machine.run()
        var arrays = PickleArrays(file: file, budget: machine.budget)
        return try arrays.arrays(from: root)
    }
}

/// The formats a weight file may have; told apart by content, never by the file's extension.
public enum WeightFileFormat: String, Sendable {
    /// A Python pickle of NumPy arrays, as the book's `params.pkl` files are.
    case pickle
    /// A safetensors file: a JSON header, then the raw little-endian arrays.
    case safetensors

    /// The format of these bytes, or nil when they are neither.
    public static func detect(_ bytes: [UInt8]) -> WeightFileFormat? {
        if bytes.first == 0x80 { return .pickle }  // PROTO, the first opcode of every protocol 2+ pickle
        // safetensors: a header length of at least "{}" followed by '{'. A length beyond the end of the file
        // still counts, so a truncated file is reported as such by the safetensors reader.
        guard bytes.count >= 9 else { return nil }
        let length = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return length >= 2 && bytes[8] == UInt8(ascii: "{") ? .safetensors : nil
    }
}

/// Loads a weight file of either format.
///
/// ```swift
/// let weights = try loadWeights("sample_weight.pkl")
/// let w1: Tensor<Float> = try weights.tensor("W1")
/// ```
public func loadWeights(_ path: String) throws -> NamedArrays {
    let bytes = try readWholeFile(path)
    switch WeightFileFormat.detect(bytes) {
    case .pickle: return try NumPyPickle.decode(bytes, file: path)
    case .safetensors: return try SafeTensors.decode(bytes, file: path)
    case nil:
        throw WeightFileError(file: path, "is neither a pickle (protocol 2 or later) nor a safetensors file")
    }
}

extension NamedArrays {
    /// Every array as a tensor of `Scalar` by its name: the `[String: Tensor]` the networks take. The first
    /// array of a repeated name wins; an array that cannot be converted is an error naming the file.
    public func parameters<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) throws -> NetworkParameters<Scalar> {
        var parameters: NetworkParameters<Scalar> = [:]
        for array in arrays where parameters[array.name] == nil {
            parameters[array.name] = try tensor(array.name, as: Scalar.self)
        }
        return parameters
    }
}

/// Reads a weight file (pickle or safetensors) as parameters of `Scalar` and builds something from them;
/// an error of the file or of the parameters (a missing name, a wrong shape) names the file.
func withParameters<Scalar: TensorScalar, T>(from path: String, as _: Scalar.Type,
                                            _ build: (NetworkParameters<Scalar>) throws -> T) throws -> T {
    let parameters = try loadWeights(path).parameters(as: Scalar.self)
    do { return try build(parameters) } catch let error as NetworkParameterError {
        throw WeightFileError(file: path, error.description)
    }
}

/// Networks and parameters from weight files (pickle or safetensors).
extension Sequential {
    /// The book's chapter-3 net with the weights of a file, such as its `sample_weight.pkl`, in one call.
    ///
    /// ```swift
    /// let net = try Sequential<Float>.chapterThreeNet(contentsOf: "sample_weight.pkl")
    /// ```
    public static func chapterThreeNet(contentsOf path: String, inputSize: Int? = nil,
                                       outputSize: Int? = nil) throws -> Sequential {
        try withParameters(from: path, as: Scalar.self) {
            try chapterThreeNet(parameters: $0, inputSize: inputSize, outputSize: outputSize)
        }
    }

    /// Replaces this model's parameters by those of a weight file with the same names and shapes, such as
    /// the book's `params.pkl` for `simpleConvNet` or `deep_convnet_params.pkl` for `deepConvNet`.
    public mutating func loadParameters(contentsOf path: String) throws {
        try withParameters(from: path, as: Scalar.self) { try loadParameters($0) }
    }
}

/// The chapter-3 net's fast inference path read from a weight file.
extension ThreeLayerNet {
    /// The chapter-3 net's fast inference path from a weight file (`sample_weight.pkl`) in one call.
    public init(contentsOf path: String, inputSize: Int? = nil, outputSize: Int? = nil) throws {
        self = try withParameters(from: path, as: Scalar.self) {
            try ThreeLayerNet(parameters: $0, inputSize: inputSize, outputSize: outputSize)
        }
    }
}
