import DLFS
import Foundation
import Hummingbird

/// What `dlfs serve` serves: the models to draw with, the test set whose mistakes the page browses, and
/// where the training form's datasets come from and its models go.
public struct ServeConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var models: [ServedModel]
    /// The dataset of the mistakes page, and its test split.
    public var dataset: DatasetInfo
    public var testSet: ImageSet
    /// Where that dataset was read from (`--data-dir`); the training form reads it from there too.
    public var dataDirectory: String?
    /// Where "save" writes `NAME.safetensors`.
    public var saveDirectory: String

    public init(models: [ServedModel], dataset: DatasetInfo, testSet: ImageSet, dataDirectory: String? = nil,
                saveDirectory: String = ".") {
        self.models = models
        self.dataset = dataset
        self.testSet = testSet
        self.dataDirectory = dataDirectory
        self.saveDirectory = saveDirectory
    }
}

/// The limits on what a request may send.
enum Limits {
    /// 784 numbers of up to 18 characters and their commas, with room to spare; more is refused with 413.
    static let predictBody = 32 * 1024
    /// The training form and the save request are a few hundred bytes.
    static let smallBody = 4 * 1024
    /// Pixels of an image: 28 × 28.
    static let side = 28
}

/// The web application: the page's three files and the JSON API under it.
public enum DLFSServer {
    /// The application on `configuration`'s address; `onRunning` gets the port bound (useful with port 0).
    public static func application(_ configuration: ServeConfiguration,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = try router(configuration)
        return Application(router: router,
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "dlfs"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) })
    }

    /// The routes, separate from the address so that tests can call them without a socket.
    public static func router(_ configuration: ServeConfiguration) throws -> Router<BasicRequestContext> {
        let page = try PageFiles()
        let state = ServerState(configuration)
        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        for (path, file) in page.routes {
            router.get(RouterPath(path)) { _, _ in file.response() }
        }
        let api = router.group("api")
        api.get("models") { _, _ in try jsonResponse(ModelList(models: state.models.map(ModelList.Entry.init))) }
        api.post("predict") { request, _ in try await state.predict(request) }
        api.get("mistakes") { request, _ in try await state.mistakes(request) }
        api.post("train") { request, _ in try await state.startTraining(request) }
        api.post("train/stop") { _, _ in
            guard state.training.stop() else { throw requestError("no training is running", .conflict) }
            return try jsonResponse(["stopping": true])
        }
        api.get("train/events") { _, _ in state.trainingEvents() }
        api.post("train/save") { request, _ in try await state.saveTrained(request) }
        return router
    }
}

/// The models as `GET /api/models` lists them.
private struct ModelList: Encodable {
    struct Entry: Encodable {
        var name: String
        var dataset: String?
        var layers: [String]
        init(_ model: ServedModel) {
            (name, dataset, layers) = (model.name, model.dataset, model.model.specs.map(\.description))
        }
    }
    var models: [Entry]
}

/// Every failure answers JSON `{"error": {"message": …}}`: an unknown route or method gets a message
/// naming it rather than an empty body.
private struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.body == nil {
            let message = error.status == .notFound
                ? "no such page or API route: \(request.method) \(request.uri.path)"
                : "\(error.status.code) \(error.status.reasonPhrase): \(request.method) \(request.uri.path)"
            throw HTTPError(error.status, headers: error.headers, message: message)
        }
    }
}
