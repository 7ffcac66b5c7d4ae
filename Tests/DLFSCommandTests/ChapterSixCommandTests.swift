import Foundation
import Testing

/// `dlfs optimizers` ends where the book's `optimizer_compare_naive.py` ends: the final positions below are
/// those of the book's `common/optimizer.py` classes run for 30 updates from (−7, 2), printed by Python's repr.
@Test("optimizers: each optimizer's final point on x²/20 + y², to the last digit of the book's NumPy run")
func optimizerPathsMatchTheBook() throws {
    let result = try dlfs("optimizers")
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.split(separator: "\n").map(String.init) == [
        "SGD (lr 0.95): x = -0.3503929957523197, y = 0.0847823165504322",
        "Momentum (lr 0.1): x = 0.896413858493733, y = 0.08808560171506971",
        "AdaGrad (lr 1.5): x = -0.12016232231416045, y = 2.486389893984459e-17",
        "Adam (lr 0.3): x = 0.13600685239498186, y = 0.31824537553721943",
        "Nesterov (lr 0.1): x = 0.6896149016966209, y = -0.0006799058361171969",
        "RMSprop (lr 0.3): x = -5.351327040428192e-06, y = 1.5085100037516103e-11",
    ])
}

@Test("optimizers --json gives every path from the start; --plot draws six panels")
func optimizerPathsAsJSONAndPlot() throws {
    let runs = try #require(try JSONSerialization.jsonObject(with: Data(try dlfs("optimizers", "--json", "--steps", "3").stdout.utf8)) as? [[String: Any]])
    #expect(runs.map { $0["name"] as? String } == ["SGD", "Momentum", "AdaGrad", "Adam", "Nesterov", "RMSprop"])
    let sgd = try #require(runs.first?["path"] as? [[Double]])
    // SGD lr 0.95: x ← x − 0.95 · x/10, y ← y − 0.95 · 2y (within the JSON parser's rounding).
    #expect(sgd.count == 4 && sgd[0] == [-7, 2])
    #expect(zip(sgd[1], [-7 - 0.95 * (-7 / 10.0), 2 - 0.95 * (2 * 2.0)]).allSatisfy { abs($0 - $1) <= 1e-15 }, "\(sgd[1])")
    let directory = try TemporaryDirectory()
    defer { directory.cleanUp() }
    let plot = directory.file("paths.svg")
    let drawn = try dlfs("optimizers", "--plot", plot)
    #expect(drawn.status == 0 && drawn.stderr.contains("wrote \(plot)"))
    let texts = try svgTexts(URL(fileURLWithPath: plot))
    for title in ["SGD, lr = 0.95", "Momentum, lr = 0.1", "AdaGrad, lr = 1.5", "Adam, lr = 0.3"] {
        #expect(texts.contains(title), "\(title)")
    }
    expectUsageError(try dlfs("optimizers", "--steps", "0"), "--steps must be from 1 to 100000, not 0")
}
