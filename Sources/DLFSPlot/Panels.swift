import Foundation

/// Several charts side by side in one SVG, each in its own equal-width panel.
///
/// ```swift
/// try Panels([chartA, chartB, chartC], title: "Learning rates").write(to: url)
/// ```
public struct Panels: Sendable {
    public var charts: [any Chart]
    public var title: String?
    public var panelWidth: Double
    public var panelHeight: Double

    public init(_ charts: [any Chart], title: String? = nil, panelWidth: Double = 420, panelHeight: Double = 420) {
        self.charts = charts
        self.title = title
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    public var document: SVGDocument {
        let top = title == nil ? 0.0 : 30
        var svg = SVGDocument(width: panelWidth * Double(max(charts.count, 1)), height: panelHeight + top)
        if let title {
            svg.text(title, at: Point(svg.width / 2, 22), size: 16, anchor: .middle, weight: "bold")
        }
        for (i, chart) in charts.enumerated() {
            chart.draw(into: &svg, frame: Rect(x: panelWidth * Double(i), y: top, width: panelWidth, height: panelHeight))
        }
        return svg
    }

    /// Writes the panels as one SVG file (atomically).
    public func write(to url: URL) throws { try document.write(to: url) }
}
