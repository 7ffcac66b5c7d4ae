import Foundation

/// One grey image as a panel, the way matplotlib's `imshow(values, cmap=gray_r, interpolation='nearest')`
/// draws it: each value a square, the image's smallest value white and its largest black, scaled to fit
/// the frame and centred, under an optional caption. A grid of them is `Panels` of `GreyImage`s.
///
/// ```swift
/// let filters = (0..<30).map { GreyImage(rows: 5, columns: 5, values: filterValues[$0]) }
/// try Panels(filters, columns: 8, panelWidth: 60, panelHeight: 60).write(to: url)
/// ```
public struct GreyImage: Chart {
    /// The image's height in squares.
    public var rows: Int
    /// The image's width in squares.
    public var columns: Int
    /// Row-major, `rows × columns` values.
    public var values: [Double]
    /// A line above the image, such as its label or a prediction; nil leaves no room for it.
    public var caption: String?

    /// An image of `rows × columns` row-major values; traps when `values` has another count.
    public init(rows: Int, columns: Int, values: [Double], caption: String? = nil) {
        precondition(rows > 0 && columns > 0 && values.count == rows * columns,
                     "GreyImage: \(values.count) values for \(rows) × \(columns)")
        (self.rows, self.columns, self.values, self.caption) = (rows, columns, values, caption)
    }

    public func draw(into svg: inout SVGDocument, frame: Rect) {
        let captionHeight = caption == nil ? 0.0 : 16
        let margin = 2.0
        let side = max(0, min((frame.width - 2 * margin) / Double(columns),
                              (frame.height - captionHeight - 2 * margin) / Double(rows)))
        let origin = Point(frame.x + (frame.width - side * Double(columns)) / 2,
                           frame.y + captionHeight + (frame.height - captionHeight - side * Double(rows)) / 2)
        if let caption {
            svg.text(caption, at: Point(frame.x + frame.width / 2, frame.y + captionHeight - 3), size: 11, anchor: .middle)
        }
        let finite = values.filter(\.isFinite)
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 0)
        for r in 0..<rows {
            // One rectangle per run of equal grey along the row keeps the file small.
            var c = 0
            while c < columns {
                let grey = level(values[r * columns + c], low, high)
                var end = c + 1
                while end < columns && level(values[r * columns + end], low, high) == grey { end += 1 }
                let box = Rect(x: origin.x + side * Double(c), y: origin.y + side * Double(r),
                               width: side * Double(end - c), height: side)
                // Crisp edges: anti-aliased neighbours would leave hairline seams between the squares.
                svg.element("rect", ["x": fmt(box.x), "y": fmt(box.y), "width": fmt(box.width), "height": fmt(box.height),
                                     "fill": String(format: "#%02x%02x%02x", grey, grey, grey), "shape-rendering": "crispEdges"])
                c = end
            }
        }
        svg.rect(Rect(x: origin.x, y: origin.y, width: side * Double(columns), height: side * Double(rows)),
                 fill: "none", stroke: "#999")
    }

    /// gray_r: the low end white (255), the high end black (0); a flat image, NaN and infinities are white.
    private func level(_ value: Double, _ low: Double, _ high: Double) -> Int {
        guard value.isFinite else { return 255 }
        guard high > low else { return 255 }
        return Int((255 * (1 - (value - low) / (high - low))).rounded())
    }
}
