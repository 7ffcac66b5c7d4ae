import ArgumentParser
import DLFS

/// `dlfs experiment apply-filter`: apply_filter.py (§7.6.1), the first 16 trained filters of SimpleConvNet
/// each convolved with one image: the book uses a photograph, DLFS an image of the dataset.
struct ApplyFilter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply-filter",
        abstract: "Sixteen trained filters applied to a dataset image (apply_filter.py).",
        discussion: """
            Convolves test image --index with each of the first 16 filters of --weights (the book's \
            ch07/params.pkl; bias 0, stride 1, no padding, as the script) and draws the filters and their \
            16 responses, 4 to a row, white to black from each picture's smallest to its largest value. \
            Prints the image's label and, per filter, the response's range.
            """)

    @OptionGroup var source: DatasetOptions
    @Option(help: "The trained SimpleConvNet: the book's ch07/params.pkl, or a model of `dlfs train --model simple-convnet --save`.")
    var weights = "params.pkl"
    @Option(name: .customLong("index"), parsing: .unconditional, help: "The test image to filter.")
    var index = 0
    @Option(help: "Filters applied (the script: 16).")
    var filters = 16
    @OptionGroup var options: ExperimentOptions

    func validate() throws {
        try requirePlot(options)
        try requireCount(filters, "--filters", atMost: 64)
    }

    func run() async throws {
        let url = try options.start()
        let info = try DatasetInfo.named(source.datasetName)
        let set = try Dataset.load(info, split: .test, dataDir: source.dataDir)
        guard (0..<set.count).contains(index) else {
            throw CommandFailure("--index \(index) is outside 0..<\(set.count) for \(info.name) test")
        }
        let trained: Sequential<Double> = try BookConvNet.simpleConvNet.trained(weights: weights)
        let W1 = trained.parameters["W1"]!
        guard filters <= W1.shape[0] else { throw CommandFailure("--filters \(filters): \(weights) has \(W1.shape[0]) filters") }
        let image = set.tensors(rows: [index]).images.converted(to: Double.self).reshaped([1, 1, set.rows, set.columns])
        options.say("\(info.name) test #\(index): label \(set.labels[index]) (\(info.classNames[Int(set.labels[index])]))")
        let perFilter = W1.count / W1.shape[0]
        var responses: [GreyImage] = []
        for k in 0..<filters {
            let w = Tensor(shape: [1] + Array(W1.shape.dropFirst()), scalars: Array(W1.scalars[(k * perFilter)..<((k + 1) * perFilter)]))
            var convolution = Convolution(W: w, b: .zeros([1]))
            let out = convolution.forward(image, isTraining: false)
            options.say("filter \(k + 1): response \(out.shape[2]) × \(out.shape[3]), from \(out.scalars.min()!) to \(out.scalars.max()!)")
            responses.append(GreyImage(rows: out.shape[2], columns: out.shape[3], values: out.scalars))
        }
        let figure = Panels([filterGrid(W1, title: "filters 1-\(filters) of \(fileName(weights))", count: filters, columns: 4),
                             Panels(responses, title: "on \(info.name) test #\(index)", columns: 4)],
                            columns: 2, panelWidth: 4 * 90, panelHeight: 4 * 90 + 30)
        try options.draw(figure, to: url)
    }
}
