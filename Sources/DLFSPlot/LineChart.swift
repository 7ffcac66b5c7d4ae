import Foundation

/// A line chart: several series, ticks at round numbers, optional log scale on y, a legend.
///
/// ```swift
/// let chart = LineChart(labels: ChartLabels(title: "Loss", xLabel: "iteration", yLabel: "loss"),
///                       series: [Series(name: "train", values: losses)], yScale: .log)
/// try chart.write(to: URL(fileURLWithPath: "loss.svg"))
/// ```
public struct LineChart: Chart {
    /// Title, axis labels and notes.
    public var labels: ChartLabels
    /// The lines, drawn in order; one without a colour takes `palette`'s colour at its index.
    public var series: [Series]
    /// How x maps onto the axis.
    public var xScale: ScaleKind
    /// How y maps onto the axis; `.log` for a loss that falls over several decades.
    public var yScale: ScaleKind
    /// A fixed x range; by default the data's.
    public var xDomain: ClosedRange<Double>?
    /// A fixed y range, to compare charts; by default the data's, rounded outwards on a linear axis.
    public var yDomain: ClosedRange<Double>?
    /// Where the legend of the named series sits.
    public var legend: LegendPosition

    /// A chart of `series`; the other parameters set the properties of the same names.
    public init(labels: ChartLabels = ChartLabels(), series: [Series], xScale: ScaleKind = .linear,
                yScale: ScaleKind = .linear, xDomain: ClosedRange<Double>? = nil,
                yDomain: ClosedRange<Double>? = nil, legend: LegendPosition = .topRight) {
        self.labels = labels
        self.series = series
        self.xScale = xScale
        self.yScale = yScale
        self.xDomain = xDomain
        self.yDomain = yDomain
        self.legend = legend
    }

    public func draw(into svg: inout SVGDocument, frame: Rect) {
        let axes = Axes(frame: frame, labels: labels, x: xScale, xDomain: xDomain ?? autoDomain(\.x, kind: xScale, round: false),
                        y: yScale, yDomain: yDomain ?? autoDomain(\.y, kind: yScale, round: true))
        axes.draw(into: &svg, frame: frame, labels: labels)
        let clip = svg.clipRect(axes.plot)
        let colors = series.indices.map { series[$0].color ?? palette[$0 % palette.count] }
        for (s, color) in zip(series, colors) { s.draw(into: &svg, axes: axes, color: color, clip: clip) }
        drawLegend(series, colors: colors, position: legend, in: axes.plot, into: &svg)
    }

    /// The data's range on one axis; on log axes only positive values count, rounded out to whole decades.
    func autoDomain(_ coordinate: KeyPath<Point, Double>, kind: ScaleKind, round: Bool) -> ClosedRange<Double> {
        let values = series.flatMap { $0.points.map { $0[keyPath: coordinate] } }
            .filter { $0.isFinite && (kind != .log || $0 > 0) }
        guard var low = values.min(), var high = values.max() else { return kind == .log ? 1...10 : 0...1 }
        switch kind {
        case .log:
            low = pow(10, log10(low).rounded(.down))
            high = pow(10, log10(high).rounded(.up))
            return low...(high > low ? high : low * 10)
        case .symlog:
            let m = max(abs(low), abs(high), 1)
            return (low < 0 ? -m : 0)...(high > 0 ? m : 0)
        case .linear:
            if low == high { low -= 1; high += 1 }
            return round ? niceDomain(low...high) : low...high
        }
    }
}
