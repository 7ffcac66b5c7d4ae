import Foundation

/// Several charts in one SVG, each in its own equal-size panel: one row by default, or a grid of
/// `columns` panels per row filled row by row (matplotlib's `plt.subplot(rows, columns, i)`).
///
/// ```swift
/// try Panels([chartA, chartB, chartC], title: "Learning rates").write(to: url)
/// try Panels(sixteenCharts, columns: 4, panelWidth: 260, panelHeight: 220).write(to: url)   // 4 × 4
/// ```
public struct Panels: Sendable {
    /// The charts, one per panel, filling the grid row by row.
    public var charts: [any Chart]
    /// A bold line above the whole grid; nil leaves no room for it.
    public var title: String?
    /// Each panel's width in pixels in `document`; inside another chart's frame, panels share its width.
    public var panelWidth: Double
    /// Each panel's height in pixels in `document`; inside another chart's frame, panels share its height.
    public var panelHeight: Double
    /// Panels per row; nil puts them all in one row.
    public var columns: Int?

    /// Panels of `charts`, in one row unless `columns` is given; traps when `columns` is not positive.
    public init(_ charts: [any Chart], title: String? = nil, columns: Int? = nil, panelWidth: Double = 420,
                panelHeight: Double = 420) {
        precondition(columns.map { $0 > 0 } ?? true, "Panels: columns must be positive, not \(columns!)")
        self.charts = charts
        self.title = title
        self.columns = columns
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    /// Columns and rows of the grid: ceil(count / columns) rows.
    public var grid: (columns: Int, rows: Int) {
        let count = max(charts.count, 1)
        let perRow = min(columns ?? count, count)
        return (perRow, (count + perRow - 1) / perRow)
    }

    /// The grid as one document: `panelWidth` per column, `panelHeight` per row, plus room for the title.
    public var document: SVGDocument {
        let (perRow, rows) = grid
        var svg = SVGDocument(width: panelWidth * Double(perRow), height: panelHeight * Double(rows) + titleHeight)
        draw(into: &svg, frame: Rect(x: 0, y: 0, width: svg.width, height: svg.height))
        return svg
    }

    private var titleHeight: Double { title == nil ? 0 : 30 }

    /// Writes the panels as one SVG file (atomically).
    public func write(to url: URL) throws { try document.write(to: url) }
}

/// Panels are a chart themselves, so a figure can stack grids (each with its title) in one file; inside a
/// frame the panels share its size.
extension Panels: Chart {
    public func draw(into svg: inout SVGDocument, frame: Rect) {
        let (perRow, rows) = grid
        let (width, height) = (frame.width / Double(perRow), (frame.height - titleHeight) / Double(rows))
        if let title {
            svg.text(title, at: Point(frame.x + frame.width / 2, frame.y + 22), size: 16, anchor: .middle, weight: "bold")
        }
        for (i, chart) in charts.enumerated() {
            let (row, column) = i.quotientAndRemainder(dividingBy: perRow)
            chart.draw(into: &svg, frame: Rect(x: frame.x + width * Double(column), y: frame.y + titleHeight + height * Double(row),
                                               width: width, height: height))
        }
    }
}
