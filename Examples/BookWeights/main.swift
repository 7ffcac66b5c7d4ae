// The book's trained weights in DLFS networks, each built in one call: the chapter-3 network from
// `sample_weight.pkl`, SimpleConvNet from `params.pkl`, DeepConvNet from `deep_convnet_params.pkl`, each
// measured on the MNIST test set (the book: 0.9352, 0.96 (rounded), 0.9797). A file that is absent is skipped.
//
//     swift run -c release BookWeights --weights-dir DIR [--data-dir DIR] [--count 10000]
import DLFS
import Foundation

var weightsDirectory = "."
var dataDirectory: String?
var count = 10_000
var arguments = CommandLine.arguments.dropFirst()
while let option = arguments.popFirst() {
    switch (option, arguments.popFirst()) {
    case ("--weights-dir", let value?): weightsDirectory = value
    case ("--data-dir", let value?): dataDirectory = value
    case ("--count", let value?) where Int(value).map({ $0 > 0 }) == true: count = Int(value)!
    default:
        print("usage: BookWeights --weights-dir DIR [--data-dir DIR] [--count N]")
        exit(64)
    }
}

do {
    let allImages = try Dataset.load(.mnist, split: .test, dataDir: dataDirectory)
    let test = allImages.subset(0..<min(count, allImages.count))
    func report(_ name: String, _ file: String, _ build: (String) throws -> Sequential<Float>) throws {
        let path = "\(weightsDirectory)/\(file)"
        guard FileManager.default.fileExists(atPath: path) else { return print("\(name): \(path) is absent, skipped") }
        let net = try build(path)
        print("\(name) (\(file)): accuracy \(net.accuracy(on: test)) on \(test.count) test images")
    }
    var rng = SeededGenerator(seed: 0)
    try report("chapter 3", "sample_weight.pkl") { try Sequential<Float>.chapterThreeNet(contentsOf: $0) }
    try report("SimpleConvNet", "params.pkl") { path in
        var net = Sequential<Float>.simpleConvNet(using: &rng)
        try net.loadParameters(contentsOf: path)
        return net
    }
    try report("DeepConvNet", "deep_convnet_params.pkl") { path in
        var net = Sequential<Float>.deepConvNet(using: &rng)
        try net.loadParameters(contentsOf: path)
        return net
    }
} catch {
    print("error: \(error)")
    exit(1)
}
