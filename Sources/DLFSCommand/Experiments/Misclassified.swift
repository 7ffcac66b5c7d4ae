import ArgumentParser
import DLFS

/// `dlfs experiment misclassified`: misclassified_mnist.py (§8.1.2), the test images the book's trained
/// DeepConvNet gets wrong.
struct Misclassified: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "misclassified",
        abstract: "The test images DeepConvNet gets wrong (misclassified_mnist.py).",
        discussion: """
            Classifies the test set with --weights (the book's ch08/deep_convnet_params.pkl) in batches of 100 \
            and prints the script's lines: `test accuracy:…`, then the first 20 mistakes as \
            `{view index: (label, inference), ...}`. --plot draws them, 5 to a row, each captioned with its \
            label and the net's answer.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "The trained DeepConvNet: the book's ch08/deep_convnet_params.pkl.")
    var weights = "deep_convnet_params.pkl"
    @Option(help: "Mistakes shown (the script's max_view: 20).")
    var count = 20
    @OptionGroup var options: ExperimentOptions

    struct Mistake: Encodable {
        var index, label, inference: Int
    }

    struct Report: Encodable {
        var experiment, dataset, weights: String
        var accuracy: Double
        var mistakeCount: Int
        var mistakes: [Mistake]
    }

    func validate() throws { try requireCount(count, "--count", atMost: 10_000) }

    func run() async throws {
        let url = try options.start()
        let info = try DatasetInfo.named(source.datasetName)
        let set = try Dataset.load(info, split: .test, dataDir: source.dataDir)
        let net: Sequential<Float> = try BookConvNet.deepConvNet.trained(weights: weights)
        try checkInputs(of: net, fit: set.featureCount, classes: info.classCount, file: weights)
        options.say("calculating test accuracy ... ")
        let predicted = net.classify(set, blockSize: 100)
        let wrong = predicted.indices.filter { predicted[$0] != Int(set.labels[$0]) }
        let accuracy = Double(set.count - wrong.count) / Double(set.count)
        options.say("test accuracy:\(accuracy)")
        let shown = wrong.prefix(count).map { Mistake(index: $0, label: Int(set.labels[$0]), inference: predicted[$0]) }
        options.say("======= misclassified result =======")
        options.say("{view index: (label, inference), ...}")
        options.say("{" + shown.enumerated().map { "\($0 + 1): (\($1.label), \($1.inference))" }.joined(separator: ", ") + "}")
        if options.json {
            try printJSON(Report(experiment: "misclassified", dataset: info.name, weights: weights, accuracy: accuracy,
                                 mistakeCount: wrong.count, mistakes: shown))
        }
        let images = shown.map { mistake in
            GreyImage(rows: set.rows, columns: set.columns, values: set.image(at: mistake.index).map(Double.init),
                      caption: "\(mistake.label) → \(mistake.inference)")
        }
        try options.draw(Panels(images, title: "\(wrong.count) of \(set.count) wrong (label → inference)",
                                columns: 5, panelWidth: 110, panelHeight: 126), to: url)
    }
}
