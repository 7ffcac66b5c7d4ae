import ArgumentParser
import DLFS
import Foundation

/// `dlfs gradient`: the numerical gradient of f(x₀, x₁) = x₀² + x₁² (book §4.4), and its field as a figure.
struct Gradient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Numerical gradient of f(x0, x1) = x0² + x1² at points (the book's three by default).",
        discussion: "Prints each gradient as NumPy prints an array. --plot draws the field of −∇f (book figure 4-9).")

    @Option(parsing: .unconditionalSingleValue, help: "A point x0,x1 (repeatable; default 3,4 then 0,2 then 3,0).")
    var at: [String] = []

    @Option(help: "Write the gradient field of x0² + x1² to this SVG file.")
    var plot: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Entry: Encodable {
        var x: [Double]
        var gradient: [Double]
    }

    struct Report: Encodable {
        var function = "x0^2 + x1^2"
        var points: [Entry]
    }

    func run() async throws {
        let url = try plot.map(plotURL)
        let points = try (at.isEmpty ? ["3,4", "0,2", "3,0"] : at).map { try parsePoint($0, option: "--at") }
        let entries = points.map { Entry(x: $0, gradient: numericalGradient(of: squareNorm, at: Tensor($0)).scalars) }
        if json {
            try printJSON(Report(points: entries))
        } else {
            for entry in entries { print(NumPyFormat.string(entry.gradient)) }
        }
        if let url { try writeFigure({ try Self.fieldChart().write(to: url, width: 520, height: 520) }, to: url) }
    }

    /// −∇f on the book's grid, x0 and x1 in np.arange(-2, 2.5, 0.25).
    static func fieldChart() -> VectorField {
        let ticks = (0..<18).map { -2 + 0.25 * Double($0) }
        var arrows: [VectorField.Arrow] = []
        for x1 in ticks {
            for x0 in ticks {
                let g = numericalGradient(of: squareNorm, at: Tensor([x0, x1]))
                arrows.append(VectorField.Arrow(at: Point(x0, x1), vector: Point(-g[0], -g[1])))
            }
        }
        return VectorField(labels: ChartLabels(title: "−∇f(x0, x1), f = x0² + x1²", xLabel: "x0", yLabel: "x1"),
                           arrows: arrows, xDomain: -2...2, yDomain: -2...2)
    }
}
