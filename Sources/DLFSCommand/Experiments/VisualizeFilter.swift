import ArgumentParser
import DLFS

/// `dlfs experiment visualize-filter`: visualize_filter.py (§7.6.1), SimpleConvNet's 30 first-layer filters
/// as drawn at random and as learned.
struct VisualizeFilter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize-filter",
        abstract: "SimpleConvNet's first-layer filters, random and trained (visualize_filter.py).",
        discussion: """
            Draws the 30 filters of 5 × 5 of a new SimpleConvNet (σ 0.01, from --seed) and of the trained one \
            in --weights (the book's ch07/params.pkl) as the script's two figures, 8 to a row, each filter \
            from white (its smallest weight) to black (its largest). Prints the spread of each set: random \
            filters are noise, trained ones are edge and blob detectors.
            """)

    @Option(help: "The trained SimpleConvNet: the book's ch07/params.pkl, or a model of `dlfs train --model simple-convnet --save`.")
    var weights = "params.pkl"
    @OptionGroup var options: ExperimentOptions

    func validate() throws { try requirePlot(options) }

    func run() async throws {
        let url = try options.start()
        var rng = SeededGenerator(seed: options.seed)
        let random: Sequential<Double> = BookConvNet.simpleConvNet.model(using: &rng)
        let trained: Sequential<Double> = try BookConvNet.simpleConvNet.trained(weights: weights)
        let sets = [("random initial weights (σ 0.01)", random.parameters["W1"]!), ("trained (\(fileName(weights)))", trained.parameters["W1"]!)]
        for (name, filters) in sets {
            let values = filters.scalars
            let mean = values.reduce(0, +) / Double(values.count)
            let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
            options.say("W1 \(name): \(filters.shape.map(String.init).joined(separator: " × ")), mean \(mean), std \(deviation)")
        }
        try options.draw(Panels(sets.map { name, filters in filterGrid(filters, title: name) }, columns: 1,
                                panelWidth: 8 * 56, panelHeight: 4 * 56 + 30), to: url)
    }
}

/// The first-channel kernels of convolution weights (FN, C, FH, FW) as a grid of images, 8 to a row as
/// the book's `filter_show`; `count` limits them to the first few.
func filterGrid(_ filters: Tensor<Double>, title: String, count: Int? = nil, columns: Int = 8) -> Panels {
    let (height, width) = (filters.shape[2], filters.shape[3])
    let perFilter = filters.shape[1] * height * width
    let shown = min(count ?? filters.shape[0], filters.shape[0])
    let images = (0..<shown).map { i in
        GreyImage(rows: height, columns: width, values: Array(filters.scalars[(i * perFilter)..<(i * perFilter + height * width)]))
    }
    return Panels(images, title: title, columns: columns)
}
