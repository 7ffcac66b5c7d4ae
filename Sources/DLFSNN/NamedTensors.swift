import DLFSCore

/// Tensors by name in a fixed order: a model's parameters (`W1`, `b1`, …) or their gradients, as the
/// book's `params` and `grads` dictionaries (which keep insertion order too).
public struct NamedTensors<Scalar: TensorScalar>: Sendable, RandomAccessCollection {
    /// The names, in order.
    public private(set) var names: [String]
    /// The tensors, in the order of their names.
    public private(set) var tensors: [Tensor<Scalar>]

    /// Tensors paired with names; the two arrays must be as long.
    public init(names: [String] = [], tensors: [Tensor<Scalar>] = []) {
        precondition(names.count == tensors.count, "NamedTensors: \(names.count) names for \(tensors.count) tensors")
        precondition(Set(names).count == names.count, "NamedTensors: repeated names in \(names)")
        self.names = names
        self.tensors = tensors
    }

    /// The first position, 0.
    public var startIndex: Int { 0 }
    /// One past the last position.
    public var endIndex: Int { names.count }
    /// The name and tensor at a position.
    public subscript(position: Int) -> (name: String, tensor: Tensor<Scalar>) { (names[position], tensors[position]) }

    /// The tensor named `name`, or nil.
    public subscript(name: String) -> Tensor<Scalar>? {
        names.firstIndex(of: name).map { tensors[$0] }
    }

    /// Adds a tensor at the end; the name must be new.
    public mutating func append(_ name: String, _ tensor: Tensor<Scalar>) {
        precondition(!names.contains(name), "NamedTensors: \(name) is already there")
        names.append(name)
        tensors.append(tensor)
    }
}

extension NamedTensors {
    /// Hands each tensor to `body` to change in place.
    public mutating func updateEach(_ body: (_ name: String, _ tensor: inout Tensor<Scalar>) -> Void) {
        for k in tensors.indices { body(names[k], &tensors[k]) }
    }
}
