import ArgumentParser
import DLFS

/// `dlfs convert IN OUT`: any weight file DLFS reads (the book's pickle, safetensors) to safetensors.
struct Convert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a weight file (NumPy pickle or safetensors) to safetensors.",
        discussion: """
            The input format is recognised by content, not by extension. Pickles are read without Python \
            and without running anything: only NumPy array reconstruction is accepted. The output is written \
            to a temporary file beside OUT and renamed, as the Python safetensors package lays it out.
            """)

    @Argument(help: "Weight file to read (.pkl or .safetensors).")
    var input: String

    @Argument(help: "safetensors file to write.")
    var output: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() async throws {
        let arrays = try loadWeights(input)
        try SafeTensors.write(arrays, to: output)
        // Report in the order of the written file.
        let written = try SafeTensors.read(output)
        if json {
            let items = written.arrays.map {
                "{\"name\":\(jsonString($0.name)),\"dtype\":\"\($0.dtype.rawValue)\",\"shape\":[\($0.shape.map(String.init).joined(separator: ","))]}"
            }
            print("{\"input\":\(jsonString(input)),\"output\":\(jsonString(output)),\"arrays\":[\(items.joined(separator: ","))]}")
            return
        }
        let bytes = written.arrays.reduce(0) { $0 + $1.bytes.count }
        print("wrote \(output): \(written.arrays.count) arrays, \(bytes) bytes of data")
        let width = written.arrays.map(\.name.count).max() ?? 0
        for array in written.arrays {
            let name = array.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("  \(name)  \(array.dtype.rawValue)  \(array.shape.map(String.init).joined(separator: "x"))")
        }
    }
}

/// A JSON string literal of `text`.
private func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
