import DLFSCore
import DLFSNN

/// A trained model as one safetensors file: the parameters by their book names (`W1`, `b1`, …) and, in
/// `__metadata__`, the architecture that rebuilds it (`format` `dlfs.Sequential`, `version` 2, `layers`
/// such as `affine 784 100, relu, affine 100 10`, `loss` `softmax-with-loss`, and `input_shape` such as
/// `1 28 28` for a net that starts with a convolution), plus whatever the writer adds (dataset, optimizer,
/// accuracy).
///
/// ```swift
/// try net.save(to: "net.safetensors", metadata: ["dataset": "fashion-mnist"])
/// let same = try Sequential<Float>(contentsOf: "net.safetensors")
/// ```
public enum ModelFile {
    /// The `format` metadata value of a DLFS model file.
    public static let format = "dlfs.Sequential"
    /// The `version` metadata value this DLFS writes and reads.
    public static let version = "2"
}

/// Saving a model and the architecture keys its file records.
extension Sequential {
    /// Writes the model atomically (a temporary file renamed over `path`); `metadata` joins the
    /// architecture keys, which it may not replace.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        var header = metadata
        for (key, value) in architectureMetadata { header[key] = value }
        var arrays = NamedArrays(metadata: header)
        for (name, tensor) in parameters { arrays.set(NamedArray(name: name, tensor: tensor)) }
        for (name, tensor) in state { arrays.set(NamedArray(name: name, tensor: tensor)) }
        try SafeTensors.write(arrays, to: path)
    }

    /// The keys that describe the architecture.
    public var architectureMetadata: [String: String] {
        var keys = ["format": ModelFile.format, "version": ModelFile.version,
                    "layers": specs.map(\.description).joined(separator: ", "), "loss": lossLayer.name,
                    "weight_decay": String(weightDecay)]
        if let inputShape { keys["input_shape"] = inputShape.map(String.init).joined(separator: " ") }
        return keys
    }

    /// Reads a model written by `save`; the parameters are converted to `Scalar` whatever their dtype.
    /// Every error names the file and what is wrong with it.
    public init(contentsOf path: String) throws {
        let arrays = try SafeTensors.read(path)
        try self.init(arrays, file: path)
    }

    /// Rebuilds the model from arrays and their metadata (`file` names them in errors).
    public init(_ arrays: NamedArrays, file: String) throws {
        func fail(_ message: String) -> WeightFileError { WeightFileError(file: file, message) }
        let metadata = arrays.metadata ?? [:]
        guard metadata["format"] == ModelFile.format else {
            let found = metadata["format"].map { "format '\($0)'" } ?? "no format in its metadata"
            throw fail("is not a dlfs model file (\(found); expected '\(ModelFile.format)', as `Sequential.save(to:)` writes)")
        }
        guard metadata["version"] == ModelFile.version else {
            throw fail("model file version \(metadata["version"] ?? "missing") is not supported (this dlfs reads version \(ModelFile.version))")
        }
        guard let layerList = metadata["layers"], !layerList.isEmpty else { throw fail("the metadata names no layers") }
        var layers: [any Layer<Scalar>] = []
        for (index, text) in layerList.split(separator: ",").enumerated() {
            guard let spec = LayerSpec(text) else {
                throw fail("layer \(index + 1) '\(text.split(separator: " ").joined(separator: " "))' is not a layer dlfs knows")
            }
            layers.append(spec.makeLayer(Scalar.self))
        }
        guard metadata["loss"] == SoftmaxWithLoss<Scalar>().name else {
            throw fail("loss '\(metadata["loss"] ?? "missing")' is not one dlfs knows (softmax-with-loss)")
        }
        let weightDecay = try metadata["weight_decay"].map { text in
            guard let lambda = Double(text), lambda.isFinite, lambda >= 0 else { throw fail("weight_decay '\(text)' is not a number ≥ 0") }
            return lambda
        }
        let inputShape = try metadata["input_shape"].map { text in
            let sizes = text.split(separator: " ").compactMap { Int($0) }.filter { $0 > 0 }
            guard !sizes.isEmpty, sizes.count == text.split(separator: " ").count else {
                throw fail("input_shape '\(text)' is not a list of positive sizes such as '1 28 28'")
            }
            return sizes
        }
        self.init(layers, weightDecay: weightDecay ?? 0, inputShape: inputShape)
        var values: [String: Tensor<Scalar>] = [:]
        for array in arrays.arrays {
            do { values[array.name] = try array.tensor(as: Scalar.self) } catch var error as WeightFileError {
                error.file = file
                throw error
            }
        }
        do { try loadParameters(values) } catch let error as NetworkParameterError { throw fail("\(error)") }
    }
}
