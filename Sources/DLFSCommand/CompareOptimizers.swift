import ArgumentParser
import DLFS
import Foundation

/// `dlfs optimizers`: the book's `optimizer_compare_naive.py` (§6.1.7): each optimizer's path on
/// f(x, y) = x²/20 + y² from (−7, 2).
struct CompareOptimizers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimizers",
        abstract: "The optimizers' paths on f(x, y) = x²/20 + y² (optimizer_compare_naive.py).",
        discussion: """
            Runs SGD (lr 0.95), Momentum (0.1), AdaGrad (1.5) and Adam (0.3) as the book, plus Nesterov (0.1) \
            and RMSprop (0.3), each from (-7, 2) for --steps updates with the exact gradient (x/10, 2y), and \
            prints where each ends, with full precision. --plot draws one panel per optimizer over the contours.
            """)

    @Option(help: "Updates per optimizer.")
    var steps = 30
    @Option(help: "Write the paths over the contours of f to this SVG file.")
    var plot: String?
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    /// The book's four, in its order, then the two it defines but leaves out of the figure.
    static let runs: [(name: String, optimizer: OptimizerName, learningRate: Double)] = [
        ("SGD", .sgd, 0.95), ("Momentum", .momentum, 0.1), ("AdaGrad", .adagrad, 1.5), ("Adam", .adam, 0.3),
        ("Nesterov", .nesterov, 0.1), ("RMSprop", .rmsprop, 0.3),
    ]
    static let start = (x: -7.0, y: 2.0)

    struct Run: Encodable {
        var name: String
        var learningRate: Double
        var final: [Double]
        var path: [[Double]]
    }

    func validate() throws {
        guard (1...100_000).contains(steps) else { throw ValidationError("--steps must be from 1 to 100000, not \(steps)") }
    }

    func run() async throws {
        let url = try plot.map(plotURL)
        let runs = Self.runs.map { Self.descend($0.name, $0.optimizer, $0.learningRate, steps: steps) }
        if json {
            try printJSON(runs)
        } else {
            for run in runs {
                print("\(run.name) (lr \(run.learningRate)): x = \(run.final[0]), y = \(run.final[1])")
            }
        }
        guard let url else { return }
        let title = "Optimizers on x²/20 + y² from (−7, 2), \(steps) updates"
        try writeFigure({ try Panels(runs.map(Self.panel), title: title, panelWidth: 400, panelHeight: 400).write(to: url) }, to: url)
    }

    /// f(x, y) = x²/20 + y², the book's `f`.
    static func f(_ x: Double, _ y: Double) -> Double { x * x / 20 + y * y }

    /// `steps` updates of one optimizer with the book's gradient (x / 10, 2y); the path includes both ends.
    static func descend(_ name: String, _ kind: OptimizerName, _ learningRate: Double, steps: Int) -> Run {
        var optimizer = kind.make(Double.self, learningRate: learningRate)
        var point = NamedTensors<Double>(names: ["x", "y"], tensors: [Tensor([start.x]), Tensor([start.y])])
        var path = [[start.x, start.y]]
        for _ in 0..<steps {
            let (x, y) = (point.tensors[0].scalars[0], point.tensors[1].scalars[0])
            optimizer.update(&point, with: NamedTensors(names: ["x", "y"], tensors: [Tensor([x / 10.0]), Tensor([2.0 * y])]))
            path.append([point.tensors[0].scalars[0], point.tensors[1].scalars[0]])
        }
        return Run(name: name, learningRate: learningRate, final: path.last!, path: path)
    }

    /// One panel: the contours of f, the path, and the minimum at the origin, in the book's window.
    static func panel(_ run: Run) -> ContourPlot {
        let path = Series(name: "\(run.path.count - 1) updates", points: run.path.map { Point($0[0], $0[1]) },
                          color: palette[3], width: 1.2, markers: true)
        let minimum = Series(name: "minimum (0, 0)", points: [Point(0, 0)], color: palette[0], markers: true)
        let final = String(format: "final (%.4g, %.4g)", run.final[0], run.final[1])
        return ContourPlot(
            labels: ChartLabels(title: "\(run.name), lr = \(run.learningRate)", xLabel: "x", yLabel: "y", notes: [final]),
            function: { f($0, $1) }, xDomain: -10...10, yDomain: -10...10, levels: [0.25, 1, 2, 3.5, 5, 7],
            paths: [path, minimum], legend: .topRight)
    }
}
