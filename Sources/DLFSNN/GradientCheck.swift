import DLFSCore

/// One parameter's numerical gradient against its backprop gradient: the figures of the book's gradient
/// checks, and the relative difference DLFS bounds.
public struct GradientComparison: Sendable, Encodable, Equatable {
    /// The parameter compared, e.g. `W1`.
    public var name: String
    /// The book's figure: the mean of |numerical − backprop| over every element.
    public var meanAbsoluteDifference: Double
    /// Σ|numerical − backprop| / (Σ|numerical| + Σ|backprop|) over the elements that are not kinks.
    public var relativeDifference: Double
    /// Elements whose central difference straddles a kink (a ReLU input or a max-pool tie within the step
    /// of changing), left out of `relativeDifference`; nil when kinks were not looked for.
    public var kinks: Int?

    /// Compares the elements of one parameter. With `finerStep` (the same numerical derivatives with a much
    /// smaller step, e.g. 1e-6 against the book's 1e-4) an element whose two estimates differ by more than
    /// rounding (1e-8) is a kink: on a smooth stretch they agree to about 1e-10 in Double, whereas a wrong
    /// backprop leaves both estimates where they are and still shows.
    public init(name: String, numerical: [Double], backprop: [Double], finerStep: [Double]? = nil) {
        precondition(numerical.count == backprop.count && finerStep.map { $0.count == numerical.count } ?? true,
                     "GradientComparison \(name): \(numerical.count) numerical, \(backprop.count) backprop values")
        let isKink = finerStep.map { fine in zip(numerical, fine).map { abs($0 - $1) > 1e-8 } }
        var (difference, size, total) = (0.0, 0.0, 0.0)
        for i in numerical.indices {
            let gap = abs(numerical[i] - backprop[i])
            total += gap
            guard isKink?[i] != true else { continue }
            difference += gap
            size += abs(numerical[i]) + abs(backprop[i])
        }
        self.name = name
        meanAbsoluteDifference = total / Double(max(numerical.count, 1))
        relativeDifference = size > 0 ? difference / size : difference
        kinks = isKink.map { $0.count { $0 } }
    }

    /// A comparison per parameter, in the gradients' order (the names must match).
    public static func compare(_ numerical: NamedTensors<Double>, _ backprop: NamedTensors<Double>,
                               finerStep: NamedTensors<Double>? = nil) -> [GradientComparison] {
        precondition(numerical.names == backprop.names, "GradientComparison: \(numerical.names) against \(backprop.names)")
        return numerical.indices.map { k in
            GradientComparison(name: numerical[k].name, numerical: numerical[k].tensor.scalars,
                               backprop: backprop[k].tensor.scalars, finerStep: finerStep.map { $0[k].tensor.scalars })
        }
    }
}
