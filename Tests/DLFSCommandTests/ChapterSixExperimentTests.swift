import Foundation
import Testing

/// `dlfs experiment …` on Fashion-MNIST, shrunk by options (epochs, iterations, trials) to seconds each.
/// Serialized: each run already uses both cores.
@Suite("Chapter-6 experiments", .serialized)
struct ChapterSixExperimentTests {
    static let fashion = ["--dataset", "fashion-mnist"]

    /// Runs `dlfs experiment NAME …` on Fashion-MNIST and requires it to succeed.
    static func experiment(_ name: String, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let result = try dlfs(["experiment", name] + fashion + arguments)
        #expect(result.status == 0 && !result.signaled, "\(name): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    /// Expects the figure at `path` to render with some ink (axes and curves, not a blank page).
    static func expectInk(_ path: String, atLeast share: Double = 0.01, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let ink = try renderedInk(URL(fileURLWithPath: path), sourceLocation: sourceLocation) else { return }
        #expect(ink >= share && ink < 0.9, "\(path): \(ink) of the pixels inked", sourceLocation: sourceLocation)
    }

    static func lines(_ result: CommandResult) -> [String] { result.stdout.split(separator: "\n").map(String.init) }

    @Test("overfit-weight-decay: λ = 0.1 ends with a smaller train − test gap than λ = 0 from the same seed")
    func weightDecayNarrowsTheGap() throws {
        try RealData.requireFashionMNIST()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let plot = directory.file("decay.svg")
        let decayed = try Self.experiment("overfit-weight-decay", "--epochs", "100", "--test-size", "2000", "--plot", plot)
        let plain = try Self.experiment("overfit-weight-decay", "--epochs", "100", "--test-size", "2000", "--lambda", "0", "--json")
        let lines = Self.lines(decayed)
        #expect(lines.count == 100 && lines.first?.hasPrefix("epoch:0, train acc:") == true, "\(lines.prefix(2))")
        // `epoch:99, train acc:a, test acc:b` → [99, a, b]
        let last = (lines.last ?? "").components(separatedBy: ", ").compactMap { $0.split(separator: ":").last.flatMap { Double($0) } }
        let report = try jsonObject(plain.stdout)
        let plainGap = try #require(report["gap"] as? Double)
        #expect(report["weightDecay"] as? Double == 0 && (report["train"] as? [Double])?.count == 100)
        #expect(last.count == 3 && last[1] - last[2] < plainGap, "λ 0.1: \(last), λ 0 gap \(plainGap)")
        try Self.expectInk(plot)
    }

    @Test("batch-norm-test: the book's lines; with batch norm ahead at the four smallest weight scales; the 4 × 4 grid")
    func batchNormIsAheadAtSmallScales() throws {
        try RealData.requireFashionMNIST()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let plot = directory.file("bn.svg")
        let result = try Self.experiment("batch-norm-test", "--epochs", "8", "--plot", plot)
        let lines = Self.lines(result)
        #expect(lines.count == 16 * 9 && lines.first == "============== 1/16 ==============" && lines[135] == "============== 16/16 ==============")
        // The last epoch line of each scale: `epoch:7 | without - with`.
        let finals = try (1...16).map { k in
            let parts = lines[9 * k - 1].split(separator: " ")
            #expect(parts.first == "epoch:7", "\(lines[9 * k - 1])")
            return (normal: try #require(Double(parts[2])), batchNorm: try #require(Double(parts[4])))
        }
        for (k, final) in finals.enumerated().suffix(4) {
            #expect(final.batchNorm > final.normal + 0.1, "scale \(k + 1): \(final)")
        }
        let texts = try svgTexts(URL(fileURLWithPath: plot))
        #expect(texts.contains("W:1.0") && texts.contains("W:0.0001") && texts.contains("Batch Normalization"))
        try Self.expectInk(plot)
    }

    @Test("weight-init-compare: He ends below std 0.01 in loss; the book's blocks every 100 iterations")
    func heBeatsSmallWeights() throws {
        try RealData.requireFashionMNIST()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let plot = directory.file("init.svg")
        let report = try jsonObject(try Self.experiment("weight-init-compare", "--iters", "400", "--json", "--plot", plot).stdout)
        let nets = try #require(report["nets"] as? [[String: Any]])
        #expect(nets.map { $0["name"] as? String } == ["std=0.01", "Xavier", "He"])
        let tails = try nets.map { net in
            let losses = try #require(net["losses"] as? [Double])
            #expect(losses.count == 400)
            return losses.suffix(50).reduce(0, +) / 50
        }
        #expect(tails[2] < tails[0] - 0.5, "mean of the last 50 losses: \(tails)")
        try Self.expectInk(plot)
        let text = Self.lines(try Self.experiment("weight-init-compare", "--iters", "101"))
        #expect(text.count == 8 && text[0] == "===========iteration:0===========" && text[4] == "===========iteration:100===========")
        #expect(text[5].hasPrefix("std=0.01:") && text[6].hasPrefix("Xavier:") && text[7].hasPrefix("He:"))
    }

    @Test("batch-norm-gradient-check: backprop through batch norm agrees with the numerical gradient (3 images)")
    func batchNormGradientsAgree() throws {
        try RealData.requireFashionMNIST()
        // With 2 images a feature's two values can lie closer than √1e-7, where batch norm bends too
        // sharply for h = 1e-4; 3 images are enough.
        let lines = Self.lines(try Self.experiment("batch-norm-gradient-check", "--batch-size", "3"))
        let names = ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
        #expect(lines.prefix(10).map { $0.split(separator: ":").first.map(String.init) } == names)
        let relative = try #require(lines.last?.split(separator: ":").last?.split(separator: ",").map { $0.split(separator: " ") })
        for (k, pair) in relative.enumerated() {
            let mean = try #require(Double(lines[k].split(separator: ":")[1]))
            // b1 and b2 sit before a batch norm, which cancels them: both gradients are zero up to rounding.
            if names[k] == "b1" || names[k] == "b2" { #expect(mean <= 1e-9, "\(lines[k])") } else {
                #expect(String(pair[0]) == names[k] && (Double(pair[1]) ?? 1) <= 1e-6, "\(pair)")
            }
        }
    }

    @Test("hyperparameter-optimization --trials 8: 8 trial lines, Best lines by val acc, the same with 1 and 2 threads")
    func randomSearchIsThreadIndependent() throws {
        try RealData.requireFashionMNIST()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let plot = directory.file("search.svg")
        let two = try Self.experiment("hyperparameter-optimization", "--trials", "8", "--epochs", "20", "--threads", "2", "--plot", plot)
        let one = try Self.experiment("hyperparameter-optimization", "--trials", "8", "--epochs", "20", "--threads", "1")
        #expect(one.stdout == two.stdout)
        let lines = Self.lines(two)
        #expect(lines.count == 8 + 1 + 8 && lines[8] == "=========== Hyper-Parameter Optimization Result ===========")
        #expect(lines.prefix(8).allSatisfy { $0.hasPrefix("val acc:") && $0.contains(" | lr:") && $0.contains(", weight decay:") })
        let best = lines.suffix(8)
        let accuracies = best.compactMap { line in line.split(separator: ")").first?.split(separator: ":").last.flatMap { Double($0) } }
        #expect(best.enumerated().allSatisfy { $1.hasPrefix("Best-\($0 + 1)(val acc:") } && accuracies.count == 8)
        #expect(accuracies == accuracies.sorted(by: >), "\(accuracies)")
        // Each Best line names a trial printed above, with its accuracy.
        for line in best {
            let key = String(line.split(separator: "|", maxSplits: 1)[1])
            #expect(lines.prefix(8).contains { $0.hasSuffix("|" + key) }, "\(line)")
        }
        try Self.expectInk(plot)
    }

    @Test("Every other experiment's --plot renders with ink; overfit-dropout prints the Trainer's lines")
    func otherFiguresRender() throws {
        try RealData.requireFashionMNIST()
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let runs: [(String, [String])] = [
            ("weight-init-activation-histogram", []),
            ("weight-init-activation-histogram", ["--init", "he", "--activation", "relu"]),
            ("optimizer-compare-mnist", ["--iters", "200"]),
            ("overfit-dropout", ["--epochs", "20", "--test-size", "1000"]),
        ]
        for (k, (name, arguments)) in runs.enumerated() {
            let plot = directory.file("\(k).svg")
            let dataset = name == "weight-init-activation-histogram" ? [] : Self.fashion  // random inputs, no dataset
            let result = try dlfs(["experiment", name] + dataset + arguments + ["--plot", plot])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            if name == "overfit-dropout" {
                let lines = Self.lines(result)
                #expect(lines.count == 22 && lines[0].hasPrefix("=== epoch:1, train acc:") && lines[20] == "=============== Final Test Accuracy ===============")
            }
            if name == "weight-init-activation-histogram" { #expect(try svgTexts(URL(fileURLWithPath: plot)).contains("5-layer")) }
            try Self.expectInk(plot)
        }
        let naive = directory.file("naive.svg")
        let same = try dlfs("experiment", "optimizer-compare-naive", "--plot", naive)
        #expect(same.stdout == (try dlfs("optimizers")).stdout)
        try Self.expectInk(naive)
    }

    @Test("Bad experiment arguments are usage errors")
    func badArguments() throws {
        expectUsageError(try dlfs("experiment", "batch-norm-test", "--epochs", "0"), "--epochs must be at least 1, not 0")
        expectUsageError(try dlfs("experiment", "overfit-dropout", "--dropout-ratio", "1"),
                         "--dropout-ratio must be at least 0 and below 1, not 1.0")
        expectUsageError(try dlfs("experiment", "weight-init-activation-histogram", "--init", "wide"),
                         "--init 'wide': give std:SIGMA (a positive number), xavier or he")
        expectUsageError(try dlfs("experiment", "hyperparameter-optimization", "--threads=-1"),
                         "--threads must be 0 (one per core) or more, not -1")
    }
}
