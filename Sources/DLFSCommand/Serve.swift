import ArgumentParser
import DLFS
import DLFSServe
import Foundation
import Hummingbird

/// `dlfs serve`: the local web page where a reader draws a digit, browses the test set's mistakes and
/// trains a net while its curves grow.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a local web page: draw a digit for the models, browse their mistakes, train and watch the curves.",
        discussion: """
            Listens on 127.0.0.1 (this machine only) unless --host says otherwise. The models are the book's \
            chapter-3 net (sample_weight.pkl), its SimpleConvNet when params.pkl is beside it, and every \
            --model: simple-convnet or deep-convnet (the book's weights from --book-dir) or a model file of \
            `dlfs train --save`. The book's files are looked for in --book-dir, else $DLFS_DATA_DIR/book, \
            else ../shared/data/book. The JSON API is described in the README.
            """)

    @Option(help: "The TCP port (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "The address to listen on: 127.0.0.1 (loopback, the default) or another, e.g. 0.0.0.0 for every interface.")
    var host = "127.0.0.1"

    @Option(help: "The chapter-3 weights (sample_weight.pkl or safetensors); by default sample_weight.pkl from the book directory.")
    var weights: String?

    @Option(help: "A model to serve besides the defaults: simple-convnet, deep-convnet or a model file of `dlfs train --save` (repeatable).")
    var model: [String] = []

    @Option(help: "The directory of the book's weight files (sample_weight.pkl, params.pkl, deep_convnet_params.pkl).")
    var bookDir: String?

    @Flag(inversion: .prefixedNo, help: "Serve the book's models found in the book directory (chapter-3 net, SimpleConvNet) besides --weights and --model.")
    var bookModels = true

    @OptionGroup var source: DatasetOptions

    @Option(help: "Where the page's \"save\" writes NAME.safetensors.")
    var saveDir = "."

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, not \(port)") }
    }

    func run() async throws {
        let info = try DatasetInfo.named(source.datasetName)
        let testSet = try await Dataset.load(info, split: .test, dataDir: source.dataDir)
        let models = try loadModels()
        guard !models.isEmpty else {
            throw CommandFailure("no model to serve: sample_weight.pkl is not in \(bookDirectory); give --weights, --book-dir or --model")
        }
        for served in models {
            try checkInputs(of: served.model, fit: testSet.featureCount, classes: info.classCount, file: served.name)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: saveDir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("--save-dir '\(saveDir)' is not a directory")
        }
        var configuration = ServeConfiguration(models: models, dataset: info, testSet: testSet,
                                               dataDirectory: source.dataDir, saveDirectory: saveDir)
        (configuration.host, configuration.port) = (host, port)
        let host = self.host
        let names = models.map(\.name).joined(separator: ", ")
        let app = try DLFSServer.application(configuration) { port in
            let reach = ["127.0.0.1", "localhost", "::1"].contains(host)
                ? "loopback only: other machines cannot connect; --host 0.0.0.0 opens it to the network"
                : "listening on \(host): other machines can connect"
            FileHandle.standardOutput.write(Data("""
                dlfs serve: http://\(host.contains(":") ? "[\(host)]" : host):\(port)/ (\(reach))
                models: \(names); mistakes of \(info.name) test (\(testSet.count) images)

                """.utf8))
        }
        try await app.runService()
    }

    /// The book directory: --book-dir, $DLFS_DATA_DIR/book, or ../shared/data/book.
    private var bookDirectory: String {
        if let bookDir { return bookDir }
        if let data = ProcessInfo.processInfo.environment["DLFS_DATA_DIR"], !data.isEmpty { return data + "/book" }
        return "../shared/data/book"
    }

    /// The chapter-3 net, the SimpleConvNet when the book's params.pkl is present, then each --model.
    private func loadModels() throws -> [ServedModel] {
        var models: [ServedModel] = []
        func add(_ served: ServedModel) {
            if !models.contains(where: { $0.name == served.name }) { models.append(served) }
        }
        let defaultWeights = bookDirectory + "/sample_weight.pkl"
        let found = bookModels && FileManager.default.fileExists(atPath: defaultWeights) ? defaultWeights : nil
        if let path = weights ?? found {
            add(ServedModel(name: "chapter-3", model: try withWeights(path, as: Float.self) { try Sequential<Float>.chapterThreeNet(parameters: $0) },
                            dataset: "mnist"))
        }
        let convNetWeights = bookDirectory + "/" + BookConvNet.simpleConvNet.weightFile
        if bookModels && FileManager.default.fileExists(atPath: convNetWeights) {
            add(ServedModel(name: BookConvNet.simpleConvNet.rawValue, model: try BookConvNet.simpleConvNet.trained(weights: convNetWeights),
                            dataset: "mnist"))
        }
        for value in model {
            if let net = BookConvNet(rawValue: value) {
                add(ServedModel(name: net.rawValue, model: try net.trained(weights: bookDirectory + "/" + net.weightFile), dataset: "mnist"))
            } else {
                let arrays = try SafeTensors.read(value)
                let name = URL(fileURLWithPath: value).deletingPathExtension().lastPathComponent
                add(ServedModel(name: name, model: try Sequential<Float>(arrays, file: value), dataset: arrays.metadata?["dataset"]))
            }
        }
        return models
    }
}
