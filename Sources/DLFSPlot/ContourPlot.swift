import Foundation

/// Contour lines of f(x, y) with paths drawn over them, e.g. gradient descent on x₀² + x₁².
///
/// The function is sampled on a pixel grid, evenly in the axes' (possibly symlog) coordinates, so contours
/// stay smooth on any scale.
public struct ContourPlot: Chart {
    /// Title, axis labels and notes.
    public var labels: ChartLabels
    /// The f(x, y) whose level lines are drawn, sampled at `resolution` × `resolution` grid nodes.
    public var function: @Sendable (Double, Double) -> Double
    /// The x interval shown, in data units.
    public var xDomain: ClosedRange<Double>
    /// The y interval shown, in data units.
    public var yDomain: ClosedRange<Double>
    /// How x maps onto the axis; `.symlog` fits a path that explodes and one that converges on one axis.
    public var xScale: ScaleKind
    /// How y maps onto the axis.
    public var yScale: ScaleKind
    /// Contour levels; by default about eight round values between the sampled minimum and maximum.
    public var levels: [Double]?
    /// Lines drawn over the contours, such as the steps of gradient descent; named ones get a legend entry.
    public var paths: [Series]
    /// Same pixel length for a unit on both axes (linear axes only).
    public var equalAspect: Bool
    /// Where the legend of the named `paths` sits.
    public var legend: LegendPosition
    /// Grid nodes along each axis.
    public var resolution: Int

    /// A contour plot of `function` over the two domains; the other parameters set the properties of the same names.
    public init(labels: ChartLabels = ChartLabels(), function: @escaping @Sendable (Double, Double) -> Double,
                xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>, xScale: ScaleKind = .linear,
                yScale: ScaleKind = .linear, levels: [Double]? = nil, paths: [Series] = [],
                equalAspect: Bool = true, legend: LegendPosition = .topRight, resolution: Int = 120) {
        self.labels = labels
        self.function = function
        self.xDomain = xDomain
        self.yDomain = yDomain
        self.xScale = xScale
        self.yScale = yScale
        self.levels = levels
        self.paths = paths
        self.equalAspect = equalAspect
        self.legend = legend
        self.resolution = resolution
    }

    public func draw(into svg: inout SVGDocument, frame: Rect) {
        let axes = Axes(frame: frame, labels: labels, x: xScale, xDomain: xDomain, y: yScale, yDomain: yDomain,
                        squareUnits: equalAspect)
        axes.draw(into: &svg, frame: frame, labels: labels, grid: false)
        let clip = svg.clipRect(axes.plot)

        let n = max(resolution, 2)
        let plot = axes.plot
        let pixelX = (0..<n).map { plot.x + plot.width * Double($0) / Double(n - 1) }
        let pixelY = (0..<n).map { plot.maxY - plot.height * Double($0) / Double(n - 1) }
        let dataX = pixelX.map(axes.x.invert), dataY = pixelY.map(axes.y.invert)
        var values = [Double](repeating: 0, count: n * n)
        for j in 0..<n { for i in 0..<n { values[j * n + i] = function(dataX[i], dataY[j]) } }

        let chosen = levels ?? defaultLevels(values)
        for (k, level) in chosen.enumerated() {
            let shade = chosen.count > 1 ? Double(k) / Double(chosen.count - 1) : 0
            let color = blend(shade)
            for line in contourLines(values: values, columns: n, rows: n, level: level) {
                let pixels = line.map { g in
                    Point(plot.x + plot.width * g.x / Double(n - 1), plot.maxY - plot.height * g.y / Double(n - 1))
                }
                svg.polyline(pixels, stroke: color, width: 1, clip: clip)
            }
        }
        // Axes through the origin, dashed as in the book's figure.
        if axes.x.domain.contains(0) {
            svg.line(from: Point(axes.x(0), plot.y), to: Point(axes.x(0), plot.maxY), stroke: "#9ab", dash: "4 3")
        }
        if axes.y.domain.contains(0) {
            svg.line(from: Point(plot.x, axes.y(0)), to: Point(plot.maxX, axes.y(0)), stroke: "#9ab", dash: "4 3")
        }
        let colors = paths.indices.map { paths[$0].color ?? palette[$0 % palette.count] }
        for (s, color) in zip(paths, colors) { s.draw(into: &svg, axes: axes, color: color, clip: clip) }
        drawLegend(paths, colors: colors, position: legend, in: plot, into: &svg)
    }

    /// Round levels over the sampled range: linear steps on linear axes, decades on logarithmic ones.
    func defaultLevels(_ values: [Double]) -> [Double] {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max(), high > low else { return [] }
        if xScale != .linear || yScale != .linear {
            let bottom = max(low, high * 1e-30)
            let decades = Int(log10(bottom).rounded(.up))...Int(log10(high).rounded(.down))
            let every = max(1, (decades.count + 9) / 10)
            return decades.filter { $0 % every == 0 }.map { pow(10, Double($0)) }
        }
        let step = niceStep(high - low, target: 8)
        return niceTicks(low...high, step: step).filter { $0 > low && $0 < high }
    }

    /// Light blue for low levels to a darker blue for high ones.
    func blend(_ t: Double) -> String {
        let from = (190.0, 215.0, 235.0), to = (70.0, 110.0, 160.0)
        func channel(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * t).rounded()) }
        return String(format: "#%02x%02x%02x", channel(from.0, to.0), channel(from.1, to.1), channel(from.2, to.2))
    }
}
