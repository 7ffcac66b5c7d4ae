import Foundation

/// How data values map onto an axis.
public enum ScaleKind: Sendable, Equatable {
    /// Equal steps in value are equal steps in pixels.
    case linear
    /// Base-10 logarithm; values ≤ 0 are not drawn.
    case log
    /// sign(v) · log₁₀(1 + |v| / threshold): linear near zero, logarithmic far out, so a path that explodes to
    /// 1e13 and one that stays near 1 fit on the same axis.
    case symlog(threshold: Double)

    func transform(_ v: Double) -> Double {
        switch self {
        case .linear: return v
        case .log: return v > 0 ? Foundation.log10(v) : -.infinity
        case .symlog(let c): return (v < 0 ? -1 : 1) * Foundation.log10(1 + abs(v) / c)
        }
    }

    func inverse(_ u: Double) -> Double {
        switch self {
        case .linear: return u
        case .log: return Foundation.pow(10, u)
        case .symlog(let c): return (u < 0 ? -1 : 1) * c * (Foundation.pow(10, abs(u)) - 1)
        }
    }
}

/// Maps a data interval onto a pixel interval (which may run backwards, as y does in SVG).
public struct Scale: Sendable {
    /// How values are transformed before the linear map onto pixels.
    public var kind: ScaleKind
    /// The data interval the axis shows.
    public var domain: ClosedRange<Double>
    /// The pixel positions of the domain's lower and upper bound; backwards for y, which grows downwards.
    public var range: (Double, Double)

    /// A scale mapping `domain` onto the pixels from `range.0` to `range.1`.
    public init(kind: ScaleKind = .linear, domain: ClosedRange<Double>, range: (Double, Double)) {
        self.kind = kind
        self.domain = domain
        self.range = range
    }

    private var transformedDomain: (Double, Double) { (kind.transform(domain.lowerBound), kind.transform(domain.upperBound)) }

    /// The pixel position of a data value.
    public func callAsFunction(_ v: Double) -> Double {
        let (a, b) = transformedDomain
        let t = b == a ? 0.5 : (kind.transform(v) - a) / (b - a)
        return range.0 + t * (range.1 - range.0)
    }

    /// The data value at a pixel position.
    public func invert(_ pixel: Double) -> Double {
        let (a, b) = transformedDomain
        let t = range.1 == range.0 ? 0 : (pixel - range.0) / (range.1 - range.0)
        return kind.inverse(a + t * (b - a))
    }

    /// Tick positions (data values) with their labels.
    public func ticks(target: Int = 6) -> [(value: Double, label: String)] {
        switch kind {
        case .linear:
            let step = niceStep(domain.upperBound - domain.lowerBound, target: target)
            return niceTicks(domain, step: step).map { ($0, linearLabel($0, step: step)) }
        case .log:
            let low = Int((Foundation.log10(max(domain.lowerBound, .leastNormalMagnitude))).rounded(.up))
            let high = Int((Foundation.log10(max(domain.upperBound, .leastNormalMagnitude))).rounded(.down))
            return decades(low, high, target: target).map { (Foundation.pow(10, Double($0)), powerLabel($0)) }
        case .symlog(let c):
            return symlogTicks(threshold: c, target: target)
        }
    }

    private func symlogTicks(threshold c: Double, target: Int) -> [(value: Double, label: String)] {
        let first = Int(Foundation.log10(c).rounded(.up))
        func side(_ bound: Double) -> [Int] {
            guard abs(bound) >= Foundation.pow(10, Double(first)) else { return [] }
            return Array(first...Int(Foundation.log10(abs(bound)).rounded(.down)))
        }
        let positive = domain.upperBound > 0 ? side(domain.upperBound) : []
        let negative = domain.lowerBound < 0 ? side(domain.lowerBound) : []
        let perSide = max(2, target / max(1, (positive.isEmpty ? 0 : 1) + (negative.isEmpty ? 0 : 1)))
        // When decades are skipped, ±threshold would crowd the 0 label inside the narrow linear band.
        func shown(_ exponents: [Int]) -> [Int] {
            let kept = thin(exponents, to: perSide)
            return kept.count < exponents.count ? kept.filter { $0 != first } : kept
        }
        var ticks: [(Double, String)] = []
        for k in shown(negative).reversed() { ticks.append((-Foundation.pow(10, Double(k)), "−" + powerLabel(k))) }
        if domain.contains(0) { ticks.append((0, "0")) }
        for k in shown(positive) { ticks.append((Foundation.pow(10, Double(k)), powerLabel(k))) }
        return ticks
    }
}

/// A step of 1, 2 or 5 × 10ᵏ giving about `target` intervals over `span`.
public func niceStep(_ span: Double, target: Int) -> Double {
    guard span > 0, span.isFinite else { return 1 }
    let raw = span / Double(max(target, 1))
    let magnitude = Foundation.pow(10, (Foundation.log10(raw)).rounded(.down))
    let fraction = raw / magnitude
    let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
    return nice * magnitude
}

/// Multiples of `step` inside `domain`, computed as integer multiples so that 0.1 + 0.2 never shows up.
public func niceTicks(_ domain: ClosedRange<Double>, step: Double) -> [Double] {
    guard step > 0, domain.lowerBound.isFinite, domain.upperBound.isFinite else { return [] }
    let first = (domain.lowerBound / step - 1e-9).rounded(.up)
    let last = (domain.upperBound / step + 1e-9).rounded(.down)
    guard first <= last, last - first < 1000 else { return [] }
    return stride(from: first, through: last, by: 1).map { $0 * step }
}

/// Widens `domain` outwards to the nearest multiples of a nice step (matplotlib-like round axis ends).
public func niceDomain(_ domain: ClosedRange<Double>, target: Int = 6) -> ClosedRange<Double> {
    var low = domain.lowerBound, high = domain.upperBound
    if low == high { low -= max(abs(low) * 0.1, 1); high += max(abs(high) * 0.1, 1) }
    let step = niceStep(high - low, target: target)
    return ((low / step).rounded(.down) * step)...((high / step).rounded(.up) * step)
}

func linearLabel(_ v: Double, step: Double) -> String {
    let decimals = max(0, Int((-Foundation.log10(step)).rounded(.up)))
    let value = abs(v) < step * 1e-6 ? 0 : v
    let text = String(format: "%.\(decimals)f", value)
    return text.hasPrefix("-") ? "−" + text.dropFirst() : text
}

/// "10⁻³"-style labels for powers of ten.
func powerLabel(_ k: Int) -> String {
    if k == 0 { return "1" }
    if k == 1 { return "10" }
    let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
                                                "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
    return "10" + String(String(k).map { superscripts[$0] ?? $0 })
}

private func decades(_ low: Int, _ high: Int, target: Int) -> [Int] {
    guard low <= high else { return [] }
    return thin(Array(low...high), to: target)
}

/// Keeps every n-th exponent so that at most `count` remain, always on multiples of n.
private func thin(_ exponents: [Int], to count: Int) -> [Int] {
    guard exponents.count > count, count > 0 else { return exponents }
    let every = (exponents.count + count - 1) / count
    return exponents.filter { $0 % every == 0 }
}
