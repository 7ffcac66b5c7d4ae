import Foundation

/// A function of one variable with its tangent lines, as the book's figure 4-7 (0.01x² + 0.1x at x = 5).
public enum FunctionPlot {
    /// A tangent to draw: the point of contact and the slope there (a numerical derivative, say).
    public struct Tangent: Sendable {
        /// Where the tangent touches the curve, on the x axis.
        public var x: Double
        /// The tangent's slope, dy/dx.
        public var slope: Double
        /// A tangent touching at `x` with the given slope.
        public init(x: Double, slope: Double) { self.x = x; self.slope = slope }
    }

    /// Samples `f` at `samples` points over `domain` and adds each tangent y = f(a) + slope · (x − a) over the
    /// same domain, dashed, with a dot at its point of contact.
    public static func chart(
        _ f: (Double) -> Double, over domain: ClosedRange<Double>, tangents: [Tangent], name: String = "f(x)",
        labels: ChartLabels = ChartLabels(xLabel: "x", yLabel: "f(x)"), samples: Int = 200
    ) -> LineChart {
        let n = max(samples, 2)
        let xs = (0..<n).map { domain.lowerBound + (domain.upperBound - domain.lowerBound) * Double($0) / Double(n - 1) }
        var series = [Series(name: name, points: xs.map { Point($0, f($0)) }, color: palette[0])]
        for (k, t) in tangents.enumerated() {
            // The book's tangent_line: y = d·x + (f(a) − d·a).
            let intercept = f(t.x) - t.slope * t.x
            let color = palette[(k + 1) % palette.count]
            series.append(Series(name: "tangent at x = \(shortNumber(t.x)), slope \(shortNumber(t.slope))",
                                 points: [domain.lowerBound, domain.upperBound].map { Point($0, t.slope * $0 + intercept) },
                                 color: color, dash: "6 4"))
            series.append(Series(points: [Point(t.x, f(t.x))], color: color, markers: true))
        }
        return LineChart(labels: labels, series: series, legend: .topLeft)
    }
}

/// A number with at most six significant digits, as C's `%g` writes it ("5", "0.2", "1e-10").
func shortNumber(_ v: Double) -> String { String(format: "%g", v) }
