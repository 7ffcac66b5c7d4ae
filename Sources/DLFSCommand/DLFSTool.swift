import ArgumentParser
import DLFS
import Foundation
import CMalloc

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
            CompareOptimizers.self,
            Experiment.self,
            Serve.self,
        ])

    /// Runs the command line; the one place errors are reported. Every failure ends as one `error: …` line
    /// on stderr (a multi-line description joined with spaces, cut at `maximumMessageLength` characters so
    /// that a name or list from a hostile file cannot make it megabytes): status 64 for usage errors (ArgumentParser's
    /// own, and `ValidationError` from `validate()`), 1 for any other error `run()` throws. `--help` prints
    /// in full and exits 0.
    static let maximumMessageLength = 4000

    static func main() async {
        dlfs_keep_freed_memory()  // see Sources/CMalloc/malloc_options.h
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand { try await command.run() } else { try command.run() }
        } catch {
            let error = withCommandLineHints(error)
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
            } else {
                var message = message(for: error).replacingOccurrences(of: "\n", with: " ")
                if message.count > maximumMessageLength {
                    message = "\(message.prefix(maximumMessageLength))… (\(message.count - maximumMessageLength) more characters)"
                }
                if !message.isEmpty { FileHandle.standardError.write(Data("error: \(message)\n".utf8)) }
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// The library says what it looked for; on the command line, say which command or option gets it.
private func withCommandLineHints(_ error: any Error) -> any Error {
    guard let error = error as? DataError, error.kind == .notFound, let dataset = error.dataset else { return error }
    var hint = "\(error). On the command line: run `dlfs download \(dataset)`, or point --data-dir at that directory"
    if dataset != DatasetInfo.fashionMNIST.name {
        hint += "; `--dataset fashion-mnist` works offline from the Debian package dataset-fashion-mnist"
    }
    return CommandFailure(hint)
}
