import DLFS
import DLFSServe
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A small world for the API: a random two-layer net, a few generated images written as MNIST's raw IDX
/// files (so the training form can load them as `mnist` from the data directory), and the configuration.
struct ServeFixture {
    static let side = 28
    let directory: String
    let model: ServedModel
    let testSet: ImageSet
    let configuration: ServeConfiguration

    init(trainCount: Int = 200, testCount: Int = 40) throws {
        directory = NSTemporaryDirectory() + "dlfs-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var rng = SeededGenerator(seed: 7)
        _ = try Self.images(trainCount, "train", in: directory, using: &rng)
        testSet = try Self.images(testCount, "t10k", in: directory, using: &rng)
        var modelRNG = SeededGenerator(seed: 3)
        model = ServedModel(name: "random", model: .twoLayerNet(inputSize: 784, hiddenSize: 20, outputSize: 10,
                                                                weightInit: .standardDeviation(0.5), using: &modelRNG))
        configuration = ServeConfiguration(models: [model], dataset: try DatasetInfo.named("mnist"), testSet: testSet,
                                           dataDirectory: directory, saveDirectory: directory)
    }

    /// `count` images whose class lights its own band of rows (so that a net can learn them), written as
    /// PREFIX-images-idx3-ubyte and PREFIX-labels-idx1-ubyte.
    private static func images(_ count: Int, _ prefix: String, in directory: String, using rng: inout SeededGenerator) throws -> ImageSet {
        let labels = (0..<count).map { UInt8($0 % 10) }
        var pixels = [UInt8](repeating: 0, count: count * 784)
        for (i, label) in labels.enumerated() {
            for p in 0..<784 where (p / 28) / 3 == Int(label) { pixels[i * 784 + p] = UInt8(128 + Int(rng.next() % 128)) }
        }
        try Data(idx([UInt32(count), 28, 28]) + pixels).write(to: URL(fileURLWithPath: "\(directory)/\(prefix)-images-idx3-ubyte"))
        try Data(idx([UInt32(count)]) + labels).write(to: URL(fileURLWithPath: "\(directory)/\(prefix)-labels-idx1-ubyte"))
        return try ImageSet(pixels: pixels, labels: labels, rows: 28, columns: 28, classCount: 10)
    }

    /// An IDX header of unsigned bytes: magic 0x0000_08_dd and the dimensions, big-endian.
    private static func idx(_ dimensions: [UInt32]) -> [UInt8] {
        [0, 0, 8, UInt8(dimensions.count)] + dimensions.flatMap { d in (0..<4).reversed().map { UInt8(truncatingIfNeeded: d >> (8 * $0)) } }
    }

    func application() throws -> some ApplicationProtocol {
        Application(router: try DLFSServer.router(configuration))
    }

    /// What the API must answer for an image: the model's softmax of the image / 255.
    func expected(_ pixels: [UInt8], model: ServedModel? = nil) -> (prediction: Int, probabilities: [Float]) {
        let x = Tensor<Float>(shape: [1, 784], scalars: pixels.map { Float($0) / 255 })
        let p = softmax((model ?? self.model).model.predict(x))
        return (p.argmaxRows()[0], p.scalars)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// The JSON of a response body.
func json(_ buffer: ByteBuffer) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
    guard let dictionary = object as? [String: Any] else { throw FixtureError("not a JSON object: \(String(buffer: buffer))") }
    return dictionary
}

/// The message of an error answer, `{"error": {"message": …}}`.
func errorMessage(_ buffer: ByteBuffer) throws -> String {
    let body = try json(buffer)
    guard let error = body["error"] as? [String: Any], let message = error["message"] as? String else {
        throw FixtureError("no error message in \(String(buffer: buffer))")
    }
    return message
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A JSON body for a request.
func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

func pixelsJSON(_ pixels: [UInt8]) -> String { "{\"pixels\": [\(pixels.map(String.init).joined(separator: ","))]}" }

/// The MNIST test set and the book's weights beside the package (`../shared/data`), skipped with a message
/// when absent, unless `DLFS_REQUIRE_DATA=1`, where absence fails.
enum RealData {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shared = packageRoot.appendingPathComponent("../shared/data").standardized.path
    static let required = ProcessInfo.processInfo.environment["DLFS_REQUIRE_DATA"] == "1"

    static func path(_ path: String) throws -> String {
        if FileManager.default.fileExists(atPath: path) { return path }
        if required {
            Issue.record("\(path) is missing and DLFS_REQUIRE_DATA=1")
            throw CancellationError()
        }
        try Test.cancel("skipped: \(path) is absent (set DLFS_REQUIRE_DATA=1 to require it)")
    }
}
