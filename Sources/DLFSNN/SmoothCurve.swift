/// The book's `smooth_curve` (common/util.py), which its loss figures draw: each value replaced by the
/// average of the 11 around it weighted by a Kaiser window (β = 2), the ends mirrored as the book pads them
/// (`x[10:0:-1]` before, `x[-1:-11:-1]` after). Fewer than 11 values come back unchanged.
///
/// ```swift
/// let smooth = smoothCurve(history.losses)   // as many values as losses
/// ```
public func smoothCurve(_ values: [Double]) -> [Double] {
    let n = values.count, half = 5
    guard n > 2 * half else { return values }
    let window = kaiserWindow(2 * half + 1, beta: 2)
    let total = window.reduce(0, +)
    let weights = window.map { $0 / total }
    /// Position p of the padded signal: p < 0 mirrors about x[0], p ≥ n repeats x[n−1] then mirrors.
    func padded(_ p: Int) -> Double { values[p < 0 ? -p : p >= n ? 2 * n - 1 - p : p] }
    return (0..<n).map { i in
        var sum = 0.0
        for k in weights.indices { sum += weights[k] * padded(i + k - half) }
        return sum
    }
}

/// NumPy's `np.kaiser(M, β)`: I₀(β·√(1 − ((k − α)/α)²)) / I₀(β) for k in 0..<M, α = (M − 1)/2.
public func kaiserWindow(_ length: Int, beta: Double) -> [Double] {
    guard length > 1 else { return [Double](repeating: 1, count: length) }
    let alpha = Double(length - 1) / 2
    return (0..<length).map { k in
        let r = (Double(k) - alpha) / alpha
        return besselI0(beta * (1 - r * r).squareRoot()) / besselI0(beta)
    }
}

/// The modified Bessel function I₀(x) = Σₖ ((x/2)ᵏ / k!)², summed until the terms stop counting.
func besselI0(_ x: Double) -> Double {
    var sum = 1.0, term = 1.0, k = 1.0
    while true {
        term *= (x / (2 * k)) * (x / (2 * k))
        if term < sum * 1e-17 { return sum }
        sum += term
        k += 1
    }
}
