import Foundation

/// Counts of values in equal-width bins, drawn as bars: matplotlib's `plt.hist(values, bins, range=(a, b))`.
///
/// ```swift
/// let chart = Histogram(labels: ChartLabels(title: "1-layer"), values: activations, bins: 30, range: 0...1)
/// try chart.write(to: URL(fileURLWithPath: "hist.svg"))
/// ```
public struct Histogram: Chart {
    /// Title, axis labels and notes.
    public var labels: ChartLabels
    /// Values per bin, bin k covering [lo + k·w, lo + (k + 1)·w) with w = (hi − lo) / bins (the last one closed).
    public var counts: [Int]
    /// The x interval the bins divide; values outside it were not counted.
    public var range: ClosedRange<Double>
    /// The bars' SVG fill colour.
    public var color: String
    /// A fixed count axis, to compare panels; by default 0 up to the largest count, rounded up.
    public var yDomain: ClosedRange<Double>?

    /// Counts `values` into `bins` equal bins over `range` (by default the values' finite range) with
    /// `binCounts`.
    public init(labels: ChartLabels = ChartLabels(), values: [Double], bins: Int = 10, range: ClosedRange<Double>? = nil,
                color: String = palette[0], yDomain: ClosedRange<Double>? = nil) {
        let range = range ?? Histogram.dataRange(values)
        self.init(labels: labels, counts: Histogram.binCounts(values, bins: bins, range: range), range: range,
                  color: color, yDomain: yDomain)
    }

    /// A histogram of counts made elsewhere, the `counts.count` bins dividing `range`; traps when `counts`
    /// is empty.
    public init(labels: ChartLabels = ChartLabels(), counts: [Int], range: ClosedRange<Double>, color: String = palette[0],
                yDomain: ClosedRange<Double>? = nil) {
        precondition(!counts.isEmpty, "Histogram: no bins")
        (self.labels, self.counts, self.range, self.color, self.yDomain) = (labels, counts, range, color, yDomain)
    }

    /// NumPy's `np.histogram(values, bins, range)` counts: values outside the range (and NaN) are left out,
    /// the upper end falls in the last bin. An empty range is widened by ½ each way, as NumPy does.
    public static func binCounts(_ values: [Double], bins: Int, range: ClosedRange<Double>) -> [Int] {
        precondition(bins > 0, "Histogram: \(bins) bins")
        let (low, high) = range.lowerBound < range.upperBound
            ? (range.lowerBound, range.upperBound) : (range.lowerBound - 0.5, range.upperBound + 0.5)
        var counts = [Int](repeating: 0, count: bins)
        let scale = Double(bins) / (high - low)
        for v in values where v >= low && v <= high {
            counts[min(Int((v - low) * scale), bins - 1)] += 1
        }
        return counts
    }

    /// The smallest and largest finite value (0...1 when there is none).
    public static func dataRange(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        return low...high
    }

    public func draw(into svg: inout SVGDocument, frame: Rect) {
        let low = range.lowerBound, high = range.upperBound > low ? range.upperBound : low + 1
        let top = Double(max(counts.max() ?? 0, 1))
        let axes = Axes(frame: frame, labels: labels, x: .linear, xDomain: low...high, y: .linear,
                        yDomain: yDomain ?? niceDomain(0...top))
        axes.draw(into: &svg, frame: frame, labels: labels)
        let width = (high - low) / Double(counts.count)
        for (k, count) in counts.enumerated() where count > 0 {
            let left = axes.x(low + Double(k) * width), right = axes.x(low + Double(k + 1) * width)
            let y = max(axes.y(Double(count)), axes.plot.y)
            svg.rect(Rect(x: left, y: y, width: max(right - left, 0.5), height: axes.plot.maxY - y), fill: color,
                     stroke: counts.count <= 60 ? "white" : nil)
        }
        svg.rect(axes.plot, fill: "none", stroke: "#333")
    }
}
