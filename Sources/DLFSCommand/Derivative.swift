import ArgumentParser
import DLFS
import Foundation

/// `dlfs derivative`: the numerical derivative of the book's 0.01x² + 0.1x (§4.3.2), with tangent lines.
struct Derivative: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Numerical derivative of f(x) = 0.01x² + 0.1x (at 5 and 10 by default), as the book prints it.",
        discussion: "--plot draws f over [0, 20] with its tangent line at each point (book figure 4-7).")

    @Option(parsing: .unconditional, help: "Points, comma-separated.")
    var at: String = "5,10"

    @Option(help: "Write f and its tangent lines to this SVG file.")
    var plot: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Entry: Encodable {
        var x: Double
        var derivative: Double
    }

    struct Report: Encodable {
        var function = "0.01x^2 + 0.1x"
        var points: [Entry]
    }

    func run() async throws {
        let url = try plot.map(plotURL)
        let points = try parseNumbers(at, option: "--at")
        let entries = points.map { Entry(x: $0, derivative: numericalDiff(bookFunction1, at: $0)) }
        if json {
            try printJSON(Report(points: entries))
        } else {
            for entry in entries { print(entry.derivative) }
        }
        guard let url else { return }
        let low = min(0, points.min() ?? 0), high = max(20, points.max() ?? 20)
        let chart = FunctionPlot.chart(
            bookFunction1, over: low...high,
            tangents: entries.map { FunctionPlot.Tangent(x: $0.x, slope: $0.derivative) }, name: "f(x) = 0.01x² + 0.1x",
            labels: ChartLabels(title: "0.01x² + 0.1x and its tangents", xLabel: "x", yLabel: "f(x)"))
        try writeFigure({ try chart.write(to: url) }, to: url)
    }
}
