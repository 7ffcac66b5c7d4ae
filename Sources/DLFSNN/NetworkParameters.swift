import DLFSCore

/// A network's parameters by the book's names (`W1`, `b1`, …), as weight files and checkpoints hold them.
public typealias NetworkParameters<Scalar: TensorScalar> = [String: Tensor<Scalar>]

/// Parameters that do not fit a network: what it expected beside what it was given.
public struct NetworkParameterError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was expected, beside what was found.
    public var description: String

    init(_ network: String, expected: String, found: [String: [Int]], problem: String) {
        let listing = found.keys.sorted().map { name in
            "\(name) \(shapeText(found[name]!))"
        }
        description = "the weights do not fit \(network) (\(problem)): expected \(expected); found "
            + (listing.isEmpty ? "no arrays" : listing.joined(separator: ", "))
    }
}

/// Checks names, shapes and finiteness of a stack of affine layers W1, b1, …, Wn, bn: each W a matrix
/// whose rows match the previous layer's width, each b as wide as its W. Returns the layer widths
/// (input first) or throws an error that lists what was expected and what was found.
func checkAffineStack<S>(_ parameters: NetworkParameters<S>, layers: Int, network: String,
                         inputSize: Int?, outputSize: Int?) throws -> [Int] {
    let found = parameters.mapValues(\.shape)
    let widths = ["input"] + (1..<layers).map { "h\($0)" } + ["output"]
    var expectedParts: [String] = []
    for l in 1...layers {
        let rows = l == 1 ? (inputSize.map(String.init) ?? widths[0]) : widths[l - 1]
        let columns = l == layers ? (outputSize.map(String.init) ?? widths[l]) : widths[l]
        expectedParts.append("W\(l) (\(rows), \(columns)), b\(l) (\(columns),)")
    }
    let expected = expectedParts.joined(separator: ", ")
    func fail(_ problem: String) -> NetworkParameterError {
        NetworkParameterError(network, expected: expected, found: found, problem: problem)
    }
    var sizes: [Int] = []
    for l in 1...layers {
        guard let w = parameters["W\(l)"] else { throw fail("W\(l) is missing") }
        guard let b = parameters["b\(l)"] else { throw fail("b\(l) is missing") }
        guard w.rank == 2 else { throw fail("W\(l) is not a matrix") }
        if l == 1 { sizes.append(w.shape[0]) }
        guard w.shape[0] == sizes[l - 1] else { throw fail("W\(l) has \(w.shape[0]) rows for \(sizes[l - 1]) inputs") }
        guard b.shape == [w.shape[1]] else { throw fail("b\(l) does not match the \(w.shape[1]) columns of W\(l)") }
        sizes.append(w.shape[1])
        for (name, tensor) in [("W\(l)", w), ("b\(l)", b)] {
            if let bad = tensor.scalars.firstIndex(where: { !$0.isFinite }) {
                throw fail("\(name) holds \(tensor.scalars[bad]) at element \(bad)")
            }
        }
    }
    if let inputSize, sizes[0] != inputSize { throw fail("the input has \(inputSize) values, W1 has \(sizes[0]) rows") }
    if let outputSize, sizes[layers] != outputSize {
        throw fail("there are \(outputSize) classes, W\(layers) has \(sizes[layers]) columns")
    }
    return sizes
}

/// A shape as NumPy prints it: (784, 50), (50,), ().
func shapeText(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
