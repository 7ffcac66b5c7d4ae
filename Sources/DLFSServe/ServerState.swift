import DLFS
import Foundation
import Hummingbird

/// What the API's handlers share: the models, each model's verdict on the test set (computed on first
/// request, then kept), the datasets the training form has loaded, and the training run.
final class ServerState: Sendable {
    let configuration: ServeConfiguration
    let training = TrainingRun()
    private let lock = NSLock()
    private nonisolated(unsafe) var verdicts: [String: Task<TestSetVerdict, Never>] = [:]
    private nonisolated(unsafe) var datasets: [String: Task<Dataset, any Error>] = [:]

    init(_ configuration: ServeConfiguration) { self.configuration = configuration }

    /// The configured models, then the one the page trained last.
    var models: [ServedModel] { configuration.models + (training.trainedModel.map { [$0] } ?? []) }

    // MARK: Drawing

    /// `POST /api/predict` `{"pixels": [784 grey levels]}` → every model's prediction and probabilities.
    func predict(_ request: Request) async throws -> Response {
        let needed = Limits.side * Limits.side
        let body = try await RequestFields.body(request, limit: Limits.predictBody)
        let pixels = try body.withUnsafeReadableBytes { PredictBody.levels($0, count: needed) } ?? levels(readingFields: body, needed: needed)
        let image = try singleImage(pixels, side: Limits.side)
        let answers = ComputeThreads.withLimit(1) {
            models.map { served in
                let probabilities = served.probabilities(image, rows: 0..<1)
                return Prediction(name: served.name, prediction: probabilities.argmaxRows()[0], probabilities: probabilities.scalars)
            }
        }
        return Response(status: .ok, headers: [.contentType: jsonContentType], body: ResponseBody(byteBuffer: try PredictBody.answer(answers)))
    }

    /// The grey levels of a body the fast reader did not take, read as JSON fields: this says what is wrong.
    private func levels(readingFields body: ByteBuffer, needed: Int) throws -> [UInt8] {
        let fields = try RequestFields(parsing: body, allowed: ["pixels"])
        guard let value = fields["pixels"] else { throw requestError("missing field 'pixels' (784 grey levels 0-255, row-major 28 × 28)") }
        guard case .array(let values) = value else { throw requestError("pixels must be an array of numbers, not \(value.kind)") }
        guard values.count == needed else {
            throw requestError("pixels has \(values.count) values; a \(Limits.side) × \(Limits.side) image needs \(needed)")
        }
        var bytes = [UInt8](repeating: 0, count: needed)
        for (i, value) in values.enumerated() {
            guard let level = value.double, level >= 0, level <= 255 else {
                throw requestError("pixels[\(i)] is \(value.kind == "a number" ? "outside 0-255" : value.kind); grey levels are numbers from 0 to 255")
            }
            bytes[i] = UInt8(level.rounded())
        }
        return bytes
    }

    // MARK: Mistakes

    /// `GET /api/mistakes[?model=NAME][&true=K][&predicted=K]`: the model's misclassified test images
    /// (filtered by true or predicted class), its accuracy and confusion matrix.
    func mistakes(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let known = ["model", "true", "predicted"]
        if let unknown = query.map({ String($0.key) }).sorted().first(where: { !known.contains($0) }) {
            throw requestError("unknown query parameter '\(unknown)'; the parameters are \(known.joined(separator: ", "))")
        }
        let models = self.models
        let name = query["model"].map(String.init) ?? models.first?.name ?? ""
        guard let served = models.first(where: { $0.name == name }) else {
            throw requestError("no model named '\(name)'; the models are \(models.map(\.name).joined(separator: ", "))", .notFound)
        }
        let classCount = configuration.testSet.classCount
        func classFilter(_ key: String) throws -> Int? {
            guard let text = query[Substring(key)] else { return nil }
            guard let k = Int(text), (0..<classCount).contains(k) else {
                throw requestError("\(key) '\(text)' is not a class from 0 to \(classCount - 1)")
            }
            return k
        }
        let (trueClass, predictedClass) = (try classFilter("true"), try classFilter("predicted"))
        let verdict = await verdict(of: served)
        return try jsonResponse(MistakesReport(verdict, model: served.name, dataset: configuration.dataset.name,
                                               set: configuration.testSet, trueClass: trueClass, predictedClass: predictedClass))
    }

    /// The verdict of a model on the test set, computed once (a retrained "trained" model is recomputed).
    private func verdict(of served: ServedModel) async -> TestSetVerdict {
        let key = "\(served.name)#\(served.revision)"
        let testSet = configuration.testSet
        let task = lock.withLock {
            if let task = verdicts[key] { return task }
            let task = Task.detached { TestSetVerdict(served, on: testSet) }
            verdicts[key] = task
            return task
        }
        return await task.value
    }

    // MARK: Training

    /// `POST /api/train` with the fields of `dlfs train`: 202 with the run's plan, 409 while one runs.
    func startTraining(_ request: Request) async throws -> Response {
        let fields = try await RequestFields.read(request, limit: Limits.smallBody, allowed: TrainForm.fields)
        let form = try TrainForm(fields)
        guard !training.isRunning else {
            throw requestError("a training run is already running; stop it (POST /api/train/stop) or wait for it to finish", .conflict)
        }
        let info: DatasetInfo
        do { info = try DatasetInfo.named(form.dataset ?? configuration.dataset.name) } catch {
            throw requestError("dataset: \(error)")
        }
        let data: Dataset
        do { data = try await dataset(info) } catch {
            throw requestError("dataset \(info.name) could not be loaded: \(error)", .unprocessableContent)
        }
        let (trainSet, testSet) = (try data.split(.train), try data.split(.test))
        let options: TrainingOptions
        do { options = try form.recipe.trainingOptions(trainCount: trainSet.count) } catch { throw requestError(error.description) }
        guard form.recipe.batchSize <= trainSet.count else {
            throw requestError("batch-size \(form.recipe.batchSize) is larger than the \(trainSet.count) training images of \(info.name)")
        }
        guard training.start(form.recipe, dataset: info, train: trainSet, test: testSet, options: options) else {
            throw requestError("a training run is already running; stop it (POST /api/train/stop) or wait for it to finish", .conflict)
        }
        return try jsonResponse(["dataset": info.name, "iterations": "\(options.iterations)"], status: .accepted)
    }

    /// A dataset with both splits, loaded once: the configured directory for the configured dataset, the
    /// usual lookup for another.
    private func dataset(_ info: DatasetInfo) async throws -> Dataset {
        let directory = info.name == configuration.dataset.name ? configuration.dataDirectory : nil
        let task = lock.withLock {
            if let task = datasets[info.name] { return task }
            let task = Task { try await Dataset.load(info, dataDir: directory) }
            datasets[info.name] = task
            return task
        }
        do { return try await task.value } catch {
            _ = lock.withLock { datasets.removeValue(forKey: info.name) }
            throw error
        }
    }

    /// `GET /api/train/events`: server-sent events of the current or last run, from its start.
    func trainingEvents() -> Response {
        let stream = training.events()
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: ResponseBody { writer in
                            for await event in stream { try await writer.write(ByteBuffer(string: event.text)) }
                            try await writer.finish(nil)
                        })
    }

    /// `POST /api/train/save` `{"name": NAME}`: the trained model to NAME.safetensors in the save directory.
    func saveTrained(_ request: Request) async throws -> Response {
        let fields = try await RequestFields.read(request, limit: Limits.smallBody, allowed: ["name"])
        guard let name = try fields.string("name") else { throw requestError("missing field 'name' (the file name, without .safetensors)") }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        guard (1...64).contains(name.count), name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw requestError("name '\(name)' must be 1 to 64 letters, digits, '-' or '_' (it becomes NAME.safetensors)")
        }
        guard !training.isRunning, let trained = training.trainedModel else {
            throw requestError(training.isRunning ? "training is still running" : "no model has been trained yet", .conflict)
        }
        let path = URL(fileURLWithPath: configuration.saveDirectory).appendingPathComponent("\(name).safetensors").path
        do { try trained.model.save(to: path, metadata: ["dataset": trained.dataset ?? ""]) } catch {
            throw requestError("could not write \(name).safetensors: \(error)", .internalServerError)
        }
        return try jsonResponse(["saved": path])
    }
}
