import ArgumentParser
import DLFS
import Foundation

/// A failure the CLI reports as one line `error: …` and exit status 1. Bad input found by `run()` throws
/// this rather than `ValidationError`, which ArgumentParser reports as a usage error (status 64).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `--split train|test`.
extension Split: ExpressibleByArgument {}

/// `--dataset` and `--data-dir`, the same for every command that reads a dataset by name (the benchmarks
/// default to another dataset and declare their own).
struct DatasetOptions: ParsableArguments {
    @Option(help: "The dataset: mnist (downloaded and verified on first use; the default) or fashion-mnist (Debian package).")
    var dataset: String?

    /// The dataset asked for, or MNIST.
    var datasetName: String { dataset ?? "mnist" }

    @Option(help: "A directory holding the IDX files (gzip or raw); otherwise the usual lookup order.")
    var dataDir: String?
}

/// `validate()`'s check of a count option: `--batch-size 0` and the like are usage errors (status 64).
func requireAtLeastOne(_ value: Int, _ option: String) throws {
    try requireCount(value, option, atMost: .max)
}

/// `validate()`'s check of a count with a ceiling (`TrainingRecipe`'s): the error names the range.
func requireCount(_ value: Int, _ option: String, atMost ceiling: Int) throws {
    do { try checkCount(value, option, atMost: ceiling) } catch { throw ValidationError(error.description) }
}

/// The ceilings of `requireCount`: iterations (8 bytes of history each) and units in one layer.
let maximumIterations = TrainingRecipe.maximumIterations, maximumLayerWidth = TrainingRecipe.maximumLayerWidth

/// The most numbers one layer may hold: its weights (inputs × outputs), or its outputs for one batch
/// (batch size × units). 10⁸ float64 numbers are 800 MB, and training keeps a few such arrays per layer.
let maximumLayerNumbers = 100_000_000

/// `validate()`'s check of a real-valued option against the range where the command is defined.
func requireNumber(_ value: Double, _ option: String, in range: ClosedRange<Double>) throws {
    guard range.contains(value) else {
        throw ValidationError("\(option) must be from \(range.lowerBound.rangeText) to \(range.upperBound.rangeText), not \(value)")
    }
}

private extension Double {
    /// 0.001, 86400, 1e+150: integers without ".0", the rest as `%g`.
    var rangeText: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(format: "%g", self) }
}

/// Refuses a net whose layers would exceed `maximumLayerNumbers`, before any of it is allocated:
/// `units` are the layer sizes from the inputs to the classes.
func checkLayerSizes(_ units: [Int], batchSize: Int) throws {
    for (inputs, outputs) in zip(units, units.dropFirst()) where inputs * outputs > maximumLayerNumbers {
        throw ValidationError("--hidden: a layer of \(inputs) × \(outputs) weights exceeds \(maximumLayerNumbers) numbers")
    }
    if let widest = units.dropFirst().max(), batchSize * widest > maximumLayerNumbers {
        throw ValidationError("--batch-size \(batchSize) × \(widest) units exceeds \(maximumLayerNumbers) numbers in one layer's outputs")
    }
}

/// Refuses a batch larger than the images it is drawn from; `what` names them ("training images of mnist").
func checkBatchSize(_ batchSize: Int, fitsIn count: Int, _ what: String) throws {
    guard batchSize <= count else { throw CommandFailure("--batch-size \(batchSize) is larger than the \(count) \(what)") }
}

/// Parses "3,4", "-3, 4" or "[0.1, 0.2]" into numbers; `option` names the flag in the error message.
func parseNumbers(_ text: String, option: String) throws -> [Double] {
    let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
    let parts = trimmed.split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "−", with: "-") }
    guard !trimmed.isEmpty else { throw CommandFailure("\(option) '\(text)' is empty; give comma-separated numbers such as 3,4") }
    return try parts.enumerated().map { index, part in
        guard let value = Double(part), value.isFinite else {
            throw CommandFailure("\(option) '\(text)': element \(index + 1) ('\(part)') is not a finite number")
        }
        return value
    }
}

/// Parses a point of x₀² + x₁², which must have exactly two coordinates.
func parsePoint(_ text: String, option: String) throws -> [Double] {
    let values = try parseNumbers(text, option: option)
    guard values.count == 2 else {
        throw CommandFailure("\(option) '\(text)' has \(values.count) numbers; f(x0, x1) = x0² + x1² needs 2, e.g. 3,4")
    }
    return values
}

/// The book's function_2, f(x₀, x₁) = x₀² + x₁², squaring by multiplication as NumPy's `x**2` does.
func squareNorm(_ x: Tensor<Double>) -> Double {
    x.withUnsafeBufferPointer { $0[0] * $0[0] + $0[1] * $0[1] }
}

/// The book's function_1, 0.01x² + 0.1x, with Python's operation order.
func bookFunction1(_ x: Double) -> Double { 0.01 * (x * x) + 0.1 * x }

/// Prints one JSON object on stdout (keys sorted, infinities and NaN as strings).
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Resolves a `--plot` path and checks it names an SVG file that is absent or regular.
func plotURL(_ path: String) throws -> URL {
    guard path.lowercased().hasSuffix(".svg") else {
        throw CommandFailure("--plot '\(path)': only SVG output is supported; give a file name ending in .svg")
    }
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    let directory = url.deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CommandFailure("--plot '\(path)': directory \(directory) does not exist")
    }
    do { try existingRegularFile(at: path) } catch { throw CommandFailure("--plot '\(path)': \(error.reason)") }
    return url
}

/// Writes a figure and says so on stderr, keeping stdout for results.
func writeFigure(_ write: () throws -> Void, to url: URL) throws {
    do { try write() } catch { throw CommandFailure("\(error)") }
    FileHandle.standardError.write(Data("wrote \(url.path)\n".utf8))
}

/// Refuses a model whose ends do not fit the dataset; `file` names the model file when there is one.
func checkInputs<S>(of model: Sequential<S>, fit features: Int, classes: Int, file: String?) throws {
    let name = file.map { "\($0): the model" } ?? "the model"
    if let inputs = model.inputSize, inputs != features {
        throw CommandFailure("\(name) takes \(inputs) inputs, but the dataset's examples have \(features) values")
    }
    if let outputs = model.outputSize, outputs != classes {
        throw CommandFailure("\(name) gives \(outputs) scores, but the dataset has \(classes) classes")
    }
}
