import Foundation

/// Arrows on a grid, as the book's figure 4-9 (the negative gradient of x₀² + x₁², pointing at the minimum).
///
/// Arrows are scaled together so the longest is 90% of the grid spacing; their relative lengths show the
/// field's magnitude. Arrows based outside the domains are left out.
public struct VectorField: Chart {
    /// One arrow: its base and the vector it shows, both in data units.
    public struct Arrow: Sendable {
        /// The arrow's base.
        public var position: Point
        /// The direction and relative length; every arrow is scaled by the same factor.
        public var vector: Point
        /// An arrow based at `position` showing `vector`.
        public init(at position: Point, vector: Point) { self.position = position; self.vector = vector }
    }

    /// Title, axis labels and notes.
    public var labels: ChartLabels
    /// The arrows; those based outside the domains are left out.
    public var arrows: [Arrow]
    /// The x interval shown; both axes have the same units, so directions are not distorted.
    public var xDomain: ClosedRange<Double>
    /// The y interval shown.
    public var yDomain: ClosedRange<Double>
    /// The SVG colour of every arrow.
    public var color: String

    /// A field of `arrows` over the two domains.
    public init(labels: ChartLabels = ChartLabels(), arrows: [Arrow], xDomain: ClosedRange<Double>,
                yDomain: ClosedRange<Double>, color: String = "#666666") {
        self.labels = labels
        self.arrows = arrows
        self.xDomain = xDomain
        self.yDomain = yDomain
        self.color = color
    }

    public func draw(into svg: inout SVGDocument, frame: Rect) {
        let axes = Axes(frame: frame, labels: labels, x: .linear, xDomain: xDomain, y: .linear, yDomain: yDomain,
                        squareUnits: true)
        axes.draw(into: &svg, frame: frame, labels: labels)
        let clip = svg.clipRect(axes.plot)
        let arrows = self.arrows.filter { xDomain.contains($0.position.x) && yDomain.contains($0.position.y) }
        let positions = arrows.map { axes.pixel($0.position) }
        let spacing = gridSpacing(positions)
        let pixelVectors = arrows.map { a in
            Point(axes.x(a.position.x + a.vector.x) - axes.x(a.position.x), axes.y(a.position.y + a.vector.y) - axes.y(a.position.y))
        }
        let longest = pixelVectors.map { hypot($0.x, $0.y) }.filter(\.isFinite).max() ?? 0
        guard longest > 0 else { return }
        let scale = 0.9 * spacing / longest
        for (p, v) in zip(positions, pixelVectors) where v.x.isFinite && v.y.isFinite {
            let tip = Point(p.x + v.x * scale, p.y + v.y * scale)
            drawArrow(from: p, to: tip, into: &svg, clip: clip)
        }
    }

    /// The smallest distance between distinct arrow columns or rows, in pixels.
    func gridSpacing(_ points: [Point]) -> Double {
        func minGap(_ values: [Double]) -> Double? {
            let sorted = Set(values.map { ($0 * 100).rounded() / 100 }).sorted()
            return zip(sorted, sorted.dropFirst()).map { $1 - $0 }.min()
        }
        return [minGap(points.map(\.x)), minGap(points.map(\.y))].compactMap { $0 }.min() ?? 20
    }

    func drawArrow(from a: Point, to b: Point, into svg: inout SVGDocument, clip: String) {
        let length = hypot(b.x - a.x, b.y - a.y)
        guard length > 0.5 else {
            svg.circle(at: a, radius: 1, fill: color, clip: clip)
            return
        }
        let ux = (b.x - a.x) / length, uy = (b.y - a.y) / length
        let head = min(6, length * 0.45), half = head * 0.45
        let base = Point(b.x - ux * head, b.y - uy * head)
        svg.line(from: a, to: base, stroke: color, width: 1.2, clip: clip)
        svg.polygon([b, Point(base.x - uy * half, base.y + ux * half), Point(base.x + uy * half, base.y - ux * half)],
                    fill: color, clip: clip)
    }
}
