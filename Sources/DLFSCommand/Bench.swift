import ArgumentParser
import DLFS

/// `dlfs bench …`: throughput figures measured in this process.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput (GEMM GFLOP/s, inference and training images per second).",
        subcommands: [BenchGEMM.self, BenchConv.self, BenchInfer.self, BenchTrain.self, BenchNumgrad.self])
}
