import DLFS
import DLFSServe
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("dlfs serve: the page's files and POST /api/predict")
struct PredictAPITests {
    @Test("a valid image: each model's prediction and probabilities, equal to the model's own softmax")
    func predictsLikeTheModel() async throws {
        let fixture = try ServeFixture()
        defer { fixture.remove() }
        let image = Array(fixture.testSet.image(at: 3))
        let expected = fixture.expected(image)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/api/predict", method: .post, body: body(pixelsJSON(image))) { response async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let models = try #require(try json(response.body)["models"] as? [[String: Any]])
                #expect(models.count == 1)
                #expect(models[0]["name"] as? String == "random")
                #expect(models[0]["prediction"] as? Int == expected.prediction)
                let probabilities = try #require(models[0]["probabilities"] as? [Double])
                #expect(probabilities.count == 10)
                for (got, want) in zip(probabilities, expected.probabilities) { #expect(abs(got - Double(want)) < 1e-6) }
                #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
            }
        }
    }

    @Test("bad bodies get 400 or 413 with a message that says what is wrong", arguments: [
        ("{\"pixels\": [1, 2", 400, "the body is not valid JSON: unexpected end of the body at byte 16"),
        ("", 400, "the body is not valid JSON: unexpected end of the body at byte 0"),
        ("{\"pixels\": [1, 2,]}", 400, "the body is not valid JSON: unexpected character at byte 17"),
        ("{\"pixels\": [1], \"pixels\": [2]}", 400, "the body is not valid JSON: duplicate key \"pixels\" at byte 16"),
        ("[1, 2, 3]", 400, "the body must be a JSON object, not an array"),
        ("{}", 400, "missing field 'pixels' (784 grey levels 0-255, row-major 28 × 28)"),
        ("{\"pixels\": \"abc\"}", 400, "pixels must be an array of numbers, not a string"),
        ("{\"pixels\": [0, 0, 0]}", 400, "pixels has 3 values; a 28 × 28 image needs 784"),
        (pixelsJSON([UInt8](repeating: 0, count: 785)), 400, "pixels has 785 values; a 28 × 28 image needs 784"),
        ("{\"pixels\": [" + Array(repeating: "0", count: 783).joined(separator: ",") + ", 256]}", 400,
         "pixels[783] is outside 0-255; grey levels are numbers from 0 to 255"),
        ("{\"pixels\": [-1" + String(repeating: ",0", count: 783) + "]}", 400, "pixels[0] is outside 0-255; grey levels are numbers from 0 to 255"),
        ("{\"pixels\": [\"7\"" + String(repeating: ",0", count: 783) + "]}", 400, "pixels[0] is a string; grey levels are numbers from 0 to 255"),
        ("{\"pixels\": [0], \"model\": \"x\"}", 400, "unknown field 'model'; the fields are pixels"),
        ("{\"pixels\": [" + String(repeating: "0,", count: 100_000) + "0]}", 413, "the body is larger than 32768 bytes"),
    ])
    func refusesBadBodies(_ text: String, _ status: Int, _ message: String) async throws {
        let fixture = try ServeFixture(trainCount: 10, testCount: 10)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/api/predict", method: .post, body: body(text)) { response async throws in
                #expect(response.status.code == status)
                #expect(try errorMessage(response.body) == message)
            }
        }
    }

    @Test("the page's three files, and nothing else: unknown routes and ../ paths are 404 with a JSON message")
    func servesOnlyThePage() async throws {
        let fixture = try ServeFixture(trainCount: 10, testCount: 10)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            for (path, type, marker) in [("/", "text/html", "<canvas id=\"pad\""), ("/index.html", "text/html", "<canvas id=\"pad\""),
                                         ("/app.js", "text/javascript", "function mnistPixels()"), ("/style.css", "text/css", "#pad")] {
                try await client.execute(uri: path, method: .get) { response async throws in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.headers[.contentType]?.hasPrefix(type) == true, "\(path)")
                    #expect(String(buffer: response.body).contains(marker), "\(path)")
                }
            }
            for path in ["/api/nothing", "/../Package.swift", "/..%2fPackage.swift", "/%2e%2e/%2e%2e/etc/passwd", "/Page/app.js",
                         "/app.js/../../Server.swift", "/index.html/..", "/etc/passwd", "/.build"] {
                try await client.execute(uri: path, method: .get) { response async throws in
                    #expect(response.status == .notFound, "\(path)")
                    let message = try errorMessage(response.body)
                    #expect(message.hasPrefix("no such page or API route: GET /"), "\(path): \(message)")
                }
            }
            try await client.execute(uri: "/api/predict", method: .get) { response async throws in
                #expect((400..<500).contains(response.status.code))
                #expect(try errorMessage(response.body).contains("GET /api/predict"))
            }
        }
    }

    @Test("50 clients at once over a socket: every answer is right for its own image")
    func concurrentClients() async throws {
        let fixture = try ServeFixture(trainCount: 10, testCount: 50)
        defer { fixture.remove() }
        let images = (0..<50).map { Array(fixture.testSet.image(at: $0)) }
        let expected = images.map { fixture.expected($0) }
        try await fixture.application().test(.live) { client in
            let port = try #require(client.port)
            let answers = try await withThrowingTaskGroup(of: (Int, Int, [Double]).self) { group in
                for (i, image) in images.enumerated() {
                    group.addTask {
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/predict")!)
                        (request.httpMethod, request.httpBody) = ("POST", Data(pixelsJSON(image).utf8))
                        // The server's handlers share Swift's thread pool with every other test of the run,
                        // some of which hold it for minutes: a generous limit, so that only a lost answer fails.
                        request.timeoutInterval = 900
                        let (data, response) = try await URLSession.shared.data(for: request)
                        #expect((response as? HTTPURLResponse)?.statusCode == 200)
                        let models = try #require(try json(ByteBuffer(bytes: data))["models"] as? [[String: Any]])
                        return (i, try #require(models[0]["prediction"] as? Int), try #require(models[0]["probabilities"] as? [Double]))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 50)
            for (i, prediction, probabilities) in answers {
                #expect(prediction == expected[i].prediction, "client \(i)")
                #expect(zip(probabilities, expected[i].probabilities).allSatisfy { abs($0 - Double($1)) < 1e-6 }, "client \(i)")
            }
        }
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
