import Foundation

/// Something that draws itself into a rectangle of an SVG document: a whole figure, or one panel of `Panels`.
public protocol Chart: Sendable {
    /// Draws the chart inside `frame` of `svg`, labels included, so the same chart can fill a document or one
    /// panel of a grid.
    func draw(into svg: inout SVGDocument, frame: Rect)
}

extension Chart {
    /// The chart alone in a document of the given size.
    public func document(width: Double = 560, height: Double = 420) -> SVGDocument {
        var svg = SVGDocument(width: width, height: height)
        draw(into: &svg, frame: Rect(x: 0, y: 0, width: width, height: height))
        return svg
    }

    /// Writes the chart as an SVG file (atomically: temporary file, then rename).
    public func write(to url: URL, width: Double = 560, height: Double = 420) throws {
        try document(width: width, height: height).write(to: url)
    }
}

/// The words around a chart. `notes` are small lines under the title (e.g. a final value).
public struct ChartLabels: Sendable {
    /// The bold line above the plot; nil leaves no room for it.
    public var title: String?
    /// The caption under the x axis; nil leaves no room for it.
    public var xLabel: String?
    /// The caption left of the y axis, turned upright; nil leaves no room for it.
    public var yLabel: String?
    /// Small grey lines under the title, one per string.
    public var notes: [String]

    /// Labels for one chart; each part is optional and takes no space when absent.
    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, notes: [String] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.notes = notes
    }
}

/// matplotlib's default colour cycle ("tab10"), so figures look like the book's.
public let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

/// A plot rectangle with its two scales: lays out margins for the labels and draws frame, grid and ticks.
struct Axes {
    let plot: Rect
    let x: Scale
    let y: Scale

    init(frame: Rect, labels: ChartLabels, x xKind: ScaleKind, xDomain: ClosedRange<Double>,
         y yKind: ScaleKind, yDomain: ClosedRange<Double>, squareUnits: Bool = false) {
        let top = 12 + (labels.title == nil ? 0 : 22) + 15 * Double(labels.notes.count)
        let left = 58 + (labels.yLabel == nil ? 0 : 16.0)
        let bottom = 26 + (labels.xLabel == nil ? 0 : 18.0)
        var plot = Rect(x: frame.x + left, y: frame.y + top,
                        width: max(frame.width - left - 18, 10), height: max(frame.height - top - bottom, 10))
        if squareUnits, xKind == yKind {
            // Equal units per pixel on both axes, so circles look round (matplotlib's aspect "equal").
            let perX = plot.width / (xKind.transform(xDomain.upperBound) - xKind.transform(xDomain.lowerBound))
            let perY = plot.height / (yKind.transform(yDomain.upperBound) - yKind.transform(yDomain.lowerBound))
            if perX > perY {
                let width = plot.width * perY / perX
                plot.x += (plot.width - width) / 2
                plot.width = width
            } else {
                let height = plot.height * perX / perY
                plot.y += (plot.height - height) / 2
                plot.height = height
            }
        }
        self.plot = plot
        x = Scale(kind: xKind, domain: xDomain, range: (plot.x, plot.maxX))
        y = Scale(kind: yKind, domain: yDomain, range: (plot.maxY, plot.y))
    }

    func pixel(_ p: Point) -> Point { Point(x(p.x), y(p.y)) }

    /// Frame, grid lines, ticks and their labels, axis labels, title and notes.
    func draw(into svg: inout SVGDocument, frame: Rect, labels: ChartLabels, grid: Bool = true) {
        svg.rect(plot, fill: "white", stroke: "#333")
        for tick in x.ticks() {
            let px = x(tick.value)
            guard px >= plot.x - 0.5, px <= plot.maxX + 0.5 else { continue }
            if grid { svg.line(from: Point(px, plot.y), to: Point(px, plot.maxY), stroke: "#e4e4e4") }
            svg.line(from: Point(px, plot.maxY), to: Point(px, plot.maxY + 5), stroke: "#333")
            svg.text(tick.label, at: Point(px, plot.maxY + 18), size: 11, anchor: .middle)
        }
        for tick in y.ticks() {
            let py = y(tick.value)
            guard py >= plot.y - 0.5, py <= plot.maxY + 0.5 else { continue }
            if grid { svg.line(from: Point(plot.x, py), to: Point(plot.maxX, py), stroke: "#e4e4e4") }
            svg.line(from: Point(plot.x - 5, py), to: Point(plot.x, py), stroke: "#333")
            svg.text(tick.label, at: Point(plot.x - 8, py + 4), size: 11, anchor: .end)
        }
        svg.rect(plot, fill: "none", stroke: "#333")
        if let xLabel = labels.xLabel {
            svg.text(xLabel, at: Point(plot.x + plot.width / 2, plot.maxY + 38), size: 13, anchor: .middle)
        }
        if let yLabel = labels.yLabel {
            let p = Point(frame.x + 18, plot.y + plot.height / 2)
            svg.text(yLabel, at: p, size: 13, anchor: .middle, rotation: -90)
        }
        var baseline = frame.y + 8
        if let title = labels.title {
            baseline += 18
            svg.text(title, at: Point(frame.x + frame.width / 2, baseline), size: 15, anchor: .middle, weight: "bold")
        }
        for note in labels.notes {
            baseline += 15
            svg.text(note, at: Point(frame.x + frame.width / 2, baseline), size: 11, anchor: .middle, fill: "#555")
        }
    }

    /// Polylines through the finite, drawable points (a point a log axis cannot show breaks the line).
    func pixelRuns(_ points: [Point]) -> [[Point]] {
        var runs: [[Point]] = [], current: [Point] = []
        for p in points {
            let q = pixel(p)
            if q.x.isFinite && q.y.isFinite {
                current.append(q)
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }
}

/// One line of a chart, optionally with dots at its points.
public struct Series: Sendable {
    /// The legend entry; a series without a name stays out of the legend.
    public var name: String?
    /// The points in data units, joined in order; one that a log axis cannot show breaks the line.
    public var points: [Point]
    /// An SVG colour such as "#d62728"; nil takes `palette`'s colour at the series' index.
    public var color: String?
    /// An SVG `stroke-dasharray` such as "6 4"; nil draws a solid line.
    public var dash: String?
    /// The line's width in pixels.
    public var width: Double
    /// Whether each point also gets a dot, which shows single points and sparse samples.
    public var markers: Bool

    /// A series through `points`; the other parameters set the properties of the same names.
    public init(name: String? = nil, points: [Point], color: String? = nil, dash: String? = nil,
                width: Double = 1.8, markers: Bool = false) {
        self.name = name
        self.points = points
        self.color = color
        self.dash = dash
        self.width = width
        self.markers = markers
    }

    /// A series from y values at x = 0, 1, 2, … (e.g. a loss per iteration).
    public init(name: String? = nil, values: [Double], color: String? = nil) {
        self.init(name: name, points: values.enumerated().map { Point(Double($0.offset), $0.element) }, color: color)
    }

    func draw(into svg: inout SVGDocument, axes: Axes, color fallback: String, clip: String) {
        let color = self.color ?? fallback
        for run in axes.pixelRuns(points) {
            svg.polyline(run, stroke: color, width: width, dash: dash, clip: clip)
            if markers { for p in run { svg.circle(at: p, radius: 2.6, fill: color, clip: clip) } }
        }
        if markers, let only = axes.pixelRuns(points).first, only.count == 1 {
            svg.circle(at: only[0], radius: 2.6, fill: color, clip: clip)
        }
    }
}

/// Where the legend box sits inside the plot.
public enum LegendPosition: Sendable {
    /// A corner of the plot, 8 pixels in from both of its edges.
    case topRight, topLeft, bottomRight, bottomLeft
}

/// A boxed list of the named series with a line sample each.
func drawLegend(_ series: [Series], colors: [String], position: LegendPosition, in plot: Rect, into svg: inout SVGDocument) {
    let entries = zip(series, colors).compactMap { s, c in s.name.map { ($0, s, c) } }
    guard !entries.isEmpty else { return }
    let width = 40 + Double(entries.map(\.0.count).max() ?? 0) * 6.6
    let height = 8 + 17 * Double(entries.count)
    let left = position == .topLeft || position == .bottomLeft
    let topSide = position == .topLeft || position == .topRight
    let box = Rect(x: left ? plot.x + 8 : plot.maxX - 8 - width, y: topSide ? plot.y + 8 : plot.maxY - 8 - height,
                   width: width, height: height)
    svg.rect(box, fill: "white", stroke: "#bbb", opacity: 0.9)
    for (i, (name, s, color)) in entries.enumerated() {
        let y = box.y + 13 + 17 * Double(i)
        svg.line(from: Point(box.x + 6, y - 4), to: Point(box.x + 28, y - 4), stroke: color, width: 2, dash: s.dash)
        if s.markers { svg.circle(at: Point(box.x + 17, y - 4), radius: 2.6, fill: color) }
        svg.text(name, at: Point(box.x + 34, y), size: 11)
    }
}
