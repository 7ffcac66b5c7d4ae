import DLFSCore
import Foundation

/// A point in pixels or in data units, depending on context.
public struct Point: Sendable, Hashable {
    /// Horizontal: pixels from the left edge, or a value on the x axis.
    public var x: Double
    /// Vertical: pixels down from the top edge, or a value on the y axis (which points up).
    public var y: Double
    /// A point from its coordinates, unlabelled to keep lists of points short.
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A rectangle in pixels, y growing downwards as in SVG.
public struct Rect: Sendable, Hashable {
    /// The left edge, in pixels from the document's left.
    public var x: Double
    /// The top edge, in pixels down from the document's top.
    public var y: Double
    /// The extent to the right of `x`, in pixels.
    public var width: Double
    /// The extent below `y`, in pixels.
    public var height: Double
    /// A rectangle from its top-left corner and its size.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    /// The right edge, `x + width`.
    public var maxX: Double { x + width }
    /// The bottom edge, `y + height`.
    public var maxY: Double { y + height }
}

/// Why a figure could not be written.
public struct PlotError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// An error whose `description` is the message a user sees.
    public init(_ description: String) { self.description = description }
}

/// A minimal SVG writer: elements are appended as text; attribute values and text are XML-escaped here, so
/// no caller can produce malformed XML. Coordinates are rounded to 0.01 px to keep files small.
public struct SVGDocument: Sendable {
    /// The width in pixels, also that of the `viewBox`.
    public let width: Double
    /// The height in pixels, also that of the `viewBox`.
    public let height: Double
    private var body: [String] = []
    private var definitions: [String] = []
    private var nextID = 0

    /// An empty document with a white background, `width` × `height` pixels.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// The complete document.
    public var text: String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(fmt(width))" height="\#(fmt(height))" "#
                + #"viewBox="0 0 \#(fmt(width)) \#(fmt(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"#,
        ]
        if !definitions.isEmpty { lines += ["<defs>"] + definitions + ["</defs>"] }
        lines.append(#"<rect x="0" y="0" width="\#(fmt(width))" height="\#(fmt(height))" fill="white"/>"#)
        lines += body
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the document to a temporary file beside `url`, then renames it over `url`, so a reader never
    /// sees half a figure.
    public func write(to url: URL) throws {
        try writeAtomically(Data(text.utf8), to: url)
    }

    /// An element such as `<line x1="…"/>`; `attributes` keep their order.
    public mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>, text: String? = nil) {
        var s = "<" + name
        for (key, value) in attributes { s += " \(key)=\"\(escapeXML(value))\"" }
        if let text { s += ">" + escapeXML(text) + "</\(name)>" } else { s += "/>" }
        body.append(s)
    }

    /// A straight line from `a` to `b`; `dash` is an SVG `stroke-dasharray`, `clip` an id from `clipRect`.
    public mutating func line(from a: Point, to b: Point, stroke: String, width: Double = 1, dash: String? = nil,
                              clip: String? = nil) {
        var s = #"<line x1="\#(fmt(a.x))" y1="\#(fmt(a.y))" x2="\#(fmt(b.x))" y2="\#(fmt(b.y))" stroke="\#(escapeXML(stroke))" stroke-width="\#(fmt(width))""#
        if let dash { s += #" stroke-dasharray="\#(escapeXML(dash))""# }
        if let clip { s += #" clip-path="url(#\#(clip))""# }
        body.append(s + "/>")
    }

    /// An open polyline; `clip` names a clip path made by `clipRect`.
    public mutating func polyline(_ points: [Point], stroke: String, width: Double = 1.5, dash: String? = nil,
                                  opacity: Double = 1, clip: String? = nil) {
        guard points.count > 1 else { return }
        var s = #"<polyline fill="none" stroke="\#(escapeXML(stroke))" stroke-width="\#(fmt(width))" stroke-linejoin="round""#
        if let dash { s += #" stroke-dasharray="\#(escapeXML(dash))""# }
        if opacity < 1 { s += #" stroke-opacity="\#(fmt(opacity))""# }
        if let clip { s += #" clip-path="url(#\#(clip))""# }
        s += #" points=""# + points.map { "\(fmt($0.x)),\(fmt($0.y))" }.joined(separator: " ") + #""/>"#
        body.append(s)
    }

    /// A filled circle, optionally outlined: the markers of a series, a tangent's point of contact.
    public mutating func circle(at c: Point, radius: Double, fill: String, stroke: String? = nil, clip: String? = nil) {
        var s = #"<circle cx="\#(fmt(c.x))" cy="\#(fmt(c.y))" r="\#(fmt(radius))" fill="\#(escapeXML(fill))""#
        if let stroke { s += #" stroke="\#(escapeXML(stroke))""# }
        if let clip { s += #" clip-path="url(#\#(clip))""# }
        body.append(s + "/>")
    }

    /// A filled rectangle, optionally outlined; an `opacity` below 1 lets what is under it show.
    public mutating func rect(_ r: Rect, fill: String, stroke: String? = nil, opacity: Double = 1) {
        var s = #"<rect x="\#(fmt(r.x))" y="\#(fmt(r.y))" width="\#(fmt(r.width))" height="\#(fmt(r.height))" fill="\#(escapeXML(fill))""#
        if let stroke { s += #" stroke="\#(escapeXML(stroke))""# }
        if opacity < 1 { s += #" fill-opacity="\#(fmt(opacity))""# }
        body.append(s + "/>")
    }

    /// A closed filled polygon (arrow heads).
    public mutating func polygon(_ points: [Point], fill: String, clip: String? = nil) {
        var s = #"<polygon fill="\#(escapeXML(fill))""#
        if let clip { s += #" clip-path="url(#\#(clip))""# }
        s += #" points=""# + points.map { "\(fmt($0.x)),\(fmt($0.y))" }.joined(separator: " ") + #""/>"#
        body.append(s)
    }

    /// Which end of a line of text sits at its point: SVG's `text-anchor`.
    public enum Anchor: String, Sendable {
        /// The text begins at the point.
        case start
        /// The text is centred on the point (titles, x tick labels).
        case middle
        /// The text ends at the point (y tick labels, left of the axis).
        case end
    }

    /// Text at a baseline point; `rotation` in degrees about that point.
    public mutating func text(_ string: String, at p: Point, size: Double = 12, anchor: Anchor = .start,
                              weight: String? = nil, rotation: Double? = nil, fill: String = "#222") {
        var s = #"<text x="\#(fmt(p.x))" y="\#(fmt(p.y))" font-size="\#(fmt(size))" text-anchor="\#(anchor.rawValue)" fill="\#(escapeXML(fill))""#
        if let weight { s += #" font-weight="\#(escapeXML(weight))""# }
        if let rotation { s += #" transform="rotate(\#(fmt(rotation)) \#(fmt(p.x)) \#(fmt(p.y)))""# }
        body.append(s + ">" + escapeXML(string) + "</text>")
    }

    /// Defines a clip path for a rectangle and returns its id.
    public mutating func clipRect(_ r: Rect) -> String {
        nextID += 1
        let id = "clip\(nextID)"
        definitions.append(#"<clipPath id="\#(id)"><rect x="\#(fmt(r.x))" y="\#(fmt(r.y))" width="\#(fmt(r.width))" height="\#(fmt(r.height))"/></clipPath>"#)
        return id
    }
}

/// Escapes the five XML special characters and drops characters XML 1.0 forbids.
public func escapeXML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            let v = scalar.value
            if v >= 0x20 && v != 0xFFFE && v != 0xFFFF { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}

/// A coordinate with at most two decimals, clamped so that a far-away point stays a valid, finite number.
func fmt(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    let clamped = min(max(v, -1e6), 1e6)
    let rounded = (clamped * 100).rounded() / 100
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    return String(rounded)
}

/// Writes `data` to `url` through a temporary file in the same directory and a rename.
func writeAtomically(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw PlotError("cannot write \(url.path): directory \(directory.path) does not exist")
    }
    do { try writeFileAtomically(data, to: url.path) } catch { throw PlotError("cannot write \(error)") }
}
