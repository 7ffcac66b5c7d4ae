import ArgumentParser
import DLFS
import Foundation

/// `dlfs descend`: gradient descent on f(x₀, x₁) = x₀² + x₁² (book §4.4.1), one run per learning rate.
struct Descend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gradient descent on f(x0, x1) = x0² + x1² with the numerical gradient, as the book's gradient_descent.",
        discussion: """
            Prints the final point as NumPy prints it, e.g. [-6.11110793e-10  8.14814391e-10] for lr 0.1. \
            Several learning rates (--lr 0.01,0.1,10) give one line each and, with --plot, one panel each \
            drawn over the contours of f; a run that diverges is drawn on symmetric-log axes.
            """)

    @Option(name: .customLong("init"), parsing: .unconditional, help: "The starting point x0,x1.")
    var initial: String = "-3,4"

    @Option(parsing: .unconditional, help: "Learning rate(s), comma-separated.")
    var lr: String = "0.1"

    @Option(parsing: .unconditional, help: "Number of steps.")
    var steps: Int = 100

    @Option(help: "Write the paths over the contours of f to this SVG file.")
    var plot: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Run: Encodable {
        var learningRate: Double
        var x: [Double]
        var f: Double
        var outcome: String
    }

    struct Report: Encodable {
        var function = "x0^2 + x1^2"
        var initial: [Double]
        var steps: Int
        var runs: [Run]
    }

    func run() async throws {
        let url = try plot.map(plotURL)
        let start = try parsePoint(initial, option: "--init")
        // Beyond ±1e150, x0² + x1² is infinite: no descent, no contours.
        guard start.allSatisfy({ abs($0) <= 1e150 }) else {
            throw CommandFailure("--init '\(initial)': coordinates must be from -1e150 to 1e150, where x0² + x1² is finite")
        }
        let rates = try parseNumbers(lr, option: "--lr")
        guard (0...1_000_000).contains(steps) else {
            throw CommandFailure("--steps \(steps): give a number of steps from 0 to 1000000")
        }
        let results = rates.map { gradientDescent(of: squareNorm, from: Tensor(start), learningRate: $0, stepCount: steps) }
        let runs = zip(rates, results).map { rate, result in
            Run(learningRate: rate, x: result.x.scalars, f: squareNorm(result.x),
                outcome: Self.outcome(start: start, path: result.path.map(\.scalars)))
        }
        if json {
            try printJSON(Report(initial: start, steps: steps, runs: runs))
        } else if runs.count == 1 {
            print(NumPyFormat.string(runs[0].x))
        } else {
            for run in runs { print("lr \(run.learningRate): \(NumPyFormat.string(run.x))") }
        }
        guard let url else { return }
        let panels = zip(runs, results).map { run, result in
            Self.panel(run: run, path: result.path.map(\.scalars), steps: steps)
        }
        let title = "Gradient descent on x0² + x1² from (\(start.map { String(format: "%g", $0) }.joined(separator: ", "))), \(steps) steps"
        try writeFigure({ try Panels(panels, title: title).write(to: url) }, to: url)
    }

    /// A word for what the learning rate did: the book's three cases.
    static func outcome(start: [Double], path: [[Double]]) -> String {
        let f0 = start[0] * start[0] + start[1] * start[1]
        guard let last = path.last else { return "no steps" }
        let f = last[0] * last[0] + last[1] * last[1]
        let moved = hypot(last[0] - start[0], last[1] - start[1])
        if !f.isFinite || f > f0 { return "diverges" }
        if f <= f0 * 1e-6 { return "converges" }
        if moved < 1e-3 * max(hypot(start[0], start[1]), 1e-300) { return "barely moves" }
        return "descends, not yet converged"
    }

    /// One panel: contours of f and the path; symmetric-log axes when the path leaves the book's window.
    static func panel(run: Run, path: [[Double]], steps: Int) -> ContourPlot {
        let extent = path.flatMap { $0.map(abs) }.filter(\.isFinite).max() ?? 1
        let huge = extent > 10
        let scale: ScaleKind = huge ? .symlog(threshold: 1) : .linear
        let bound = huge ? pow(10, log10(extent * 1.5).rounded(.up)) : 5
        let series = Series(name: "path, \(steps) steps", points: path.map { Point($0[0], $0[1]) },
                            color: run.outcome == "diverges" ? palette[3] : palette[0], width: 1.2, markers: true)
        var notes = ["\(run.outcome): final \(NumPyFormat.string(run.x))"]
        if huge { notes.append("symmetric-log axes (linear within ±1)") }
        return ContourPlot(
            labels: ChartLabels(title: "lr = \(run.learningRate)", xLabel: "x0", yLabel: "x1", notes: notes),
            function: { $0 * $0 + $1 * $1 }, xDomain: -bound...bound, yDomain: -bound...bound,
            xScale: scale, yScale: scale, paths: [series], legend: .topRight)
    }
}
