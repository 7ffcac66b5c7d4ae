import ArgumentParser

/// `dlfs experiment optimizer-compare-naive`: optimizer_compare_naive.py (§6.1.7), which `dlfs optimizers`
/// already is; this runs that command with the same options.
struct OptimizerCompareNaive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimizer-compare-naive",
        abstract: "The optimizers' paths on f(x, y) = x²/20 + y² (optimizer_compare_naive.py; the same as `dlfs optimizers`).",
        discussion: CompareOptimizers.configuration.discussion)

    @OptionGroup var command: CompareOptimizers

    func run() async throws { try await command.run() }
}
