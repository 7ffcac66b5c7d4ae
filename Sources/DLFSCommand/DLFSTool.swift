import ArgumentParser

/// `dlfs`: the command line of Deep Learning from Scratch in Swift. One file per subcommand.
@main
struct DLFSTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlfs",
        abstract: "Deep Learning from Scratch, in Swift: datasets, the book's networks, training and benchmarks.",
        subcommands: [
            Bench.self,
            Convert.self,
            Download.self,
            Show.self,
            Infer.self,
            Train.self,
            GradCheck.self,
            Loss.self,
            Derivative.self,
            Gradient.self,
            Descend.self,
        ])
}
