/// How an affine layer's weights are drawn: W = σ · randn(fan-in, fan-out), biases zero, with σ as the
/// book's `MultiLayerNet` chooses it.
public enum WeightInit: Sendable, Equatable, CustomStringConvertible {
    /// A fixed σ, the book's `weight_init_std` (0.01 for `TwoLayerNet`).
    case standardDeviation(Double)
    /// σ = √(1/n) for fan-in n, suited to sigmoid and tanh (the book's `'xavier'` or `'sigmoid'`).
    case xavier
    /// σ = √(2/n) for fan-in n, suited to ReLU (the book's `'he'` or `'relu'`).
    case he

    /// The σ of the rule for a layer with `fanIn` inputs.
    public func standardDeviation(fanIn: Int) -> Double {
        switch self {
        case .standardDeviation(let sigma): sigma
        case .xavier: (1.0 / Double(fanIn)).squareRoot()
        case .he: (2.0 / Double(fanIn)).squareRoot()
        }
    }

    /// `std:0.01` (or just `0.01`), `xavier`, `he`.
    public var description: String {
        switch self {
        case .standardDeviation(let sigma): "std:\(sigma)"
        case .xavier: "xavier"
        case .he: "he"
        }
    }

    /// Parses `description`'s forms and the book's aliases `sigmoid` (Xavier) and `relu` (He); nil for
    /// anything else, a σ that is not a positive finite number included.
    public init?(_ text: String) {
        switch text.lowercased() {
        case "xavier", "sigmoid": self = .xavier
        case "he", "relu": self = .he
        default:
            let number = text.hasPrefix("std:") ? String(text.dropFirst(4)) : text
            guard let sigma = Double(number), sigma.isFinite, sigma > 0 else { return nil }
            self = .standardDeviation(sigma)
        }
    }
}
