import DLFS
import DLFSServe
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("dlfs serve: GET /api/mistakes")
struct MistakesAPITests {
    @Test("the misclassified images, their count, filters by class and the confusion matrix agree with the model")
    func mistakesMatchTheModel() async throws {
        let base = try ServeFixture(trainCount: 10, testCount: 40)
        defer { base.remove() }
        let predictions = (0..<40).map { base.expected(Array(base.testSet.image(at: $0))).prediction }
        // Labels that make every third image a mistake, whatever the random net predicts.
        let labels = predictions.enumerated().map { i, p in UInt8(i % 3 == 0 ? (p + 1 + i % 9) % 10 : p) }
        let testSet = try ImageSet(pixels: base.testSet.pixels, labels: labels, rows: 28, columns: 28, classCount: 10)
        let fixture = (testSet: testSet, configuration: ServeConfiguration(models: [base.model], dataset: .mnist, testSet: testSet))
        let wrong = (0..<40).filter { $0 % 3 == 0 }
        try await Application(router: try DLFSServer.router(fixture.configuration)).test(.router) { client in
            try await client.execute(uri: "/api/mistakes", method: .get) { response async throws in
                #expect(response.status == .ok)
                let report = try json(response.body)
                #expect(report["count"] as? Int == 40)
                #expect(report["mistakeCount"] as? Int == wrong.count)
                #expect(report["correct"] as? Int == 40 - wrong.count)
                let mistakes = try #require(report["mistakes"] as? [[String: Any]])
                #expect(mistakes.map { $0["index"] as? Int } == wrong)
                let first = mistakes[0]
                #expect(first["prediction"] as? Int == predictions[wrong[0]])
                #expect(first["label"] as? Int == fixture.testSet.label(at: wrong[0]))
                let encoded = try #require(first["pixels"] as? String)
                let pixels = try #require(Data(base64Encoded: encoded))
                #expect(Array(pixels) == Array(fixture.testSet.image(at: wrong[0])))
                let confusion = try #require(report["confusion"] as? [[Int]])
                #expect(confusion.flatMap { $0 }.reduce(0, +) == 40)
                #expect((0..<10).map { confusion[$0][$0] }.reduce(0, +) == 40 - wrong.count)
            }
            let t = fixture.testSet.label(at: wrong[0]), p = predictions[wrong[0]]
            try await client.execute(uri: "/api/mistakes?model=random&true=\(t)&predicted=\(p)", method: .get) { response async throws in
                let mistakes = try #require(try json(response.body)["mistakes"] as? [[String: Any]])
                let want = wrong.filter { fixture.testSet.label(at: $0) == t && predictions[$0] == p }
                #expect(mistakes.map { $0["index"] as? Int } == want)
            }
        }
    }

    @Test("bad queries get 400 (404 for an unknown model) with a precise message", arguments: [
        ("/api/mistakes?true=10", 400, "true '10' is not a class from 0 to 9"),
        ("/api/mistakes?predicted=x", 400, "predicted 'x' is not a class from 0 to 9"),
        ("/api/mistakes?page=2", 400, "unknown query parameter 'page'; the parameters are model, true, predicted"),
        ("/api/mistakes?model=nope", 404, "no model named 'nope'; the models are random"),
    ])
    func refusesBadQueries(_ uri: String, _ status: Int, _ message: String) async throws {
        let fixture = try ServeFixture(trainCount: 10, testCount: 10)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response async throws in
                #expect(response.status.code == status)
                #expect(try errorMessage(response.body) == message)
            }
        }
    }
}

@Suite("dlfs serve: training from the page")
struct TrainingAPITests {
    @Test("a short run streams start, losses, epochs and done; its model is then served and can be saved")
    func shortRun() async throws {
        let fixture = try ServeFixture(trainCount: 200, testCount: 40)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let form = #"{"dataset": "mnist", "hidden": "30", "activation": "relu", "init": "he", "optimizer": "adam", "batch-size": 20, "epochs": 3}"#
            try await client.execute(uri: "/api/train", method: .post, body: body(form)) { response async throws in
                #expect(response.status == .accepted)
                #expect(try json(response.body)["iterations"] as? String == "30")
            }
            // The stream ends with the run.
            let events = try await client.execute(uri: "/api/train/events", method: .get) { String(buffer: $0.body) }
            let names = events.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { $0.dropFirst(7) }
            #expect(names.first == "start")
            #expect(names.last == "done")
            #expect(names.count { $0 == "loss" } == 30)
            #expect(names.count { $0 == "epoch" } == 3)
            #expect(events.contains(#""stopped":false"#))
            try await client.execute(uri: "/api/models", method: .get) { response async throws in
                let models = try #require(try json(response.body)["models"] as? [[String: Any]])
                #expect(models.map { $0["name"] as? String } == ["random", "trained"])
            }
            try await client.execute(uri: "/api/mistakes?model=trained", method: .get) { response async throws in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/train/save", method: .post, body: body(#"{"name": "../escape"}"#)) { response async throws in
                #expect(response.status == .badRequest)
                #expect(try errorMessage(response.body) == "name '../escape' must be 1 to 64 letters, digits, '-' or '_' (it becomes NAME.safetensors)")
            }
            try await client.execute(uri: "/api/train/save", method: .post, body: body(#"{"name": "page-net"}"#)) { response async throws in
                #expect(response.status == .ok)
            }
            let saved = try Sequential<Float>(contentsOf: fixture.directory + "/page-net.safetensors")
            #expect(saved.specs.map(\.description) == ["affine 784 30", "relu", "affine 30 10"])
        }
    }

    @Test("a second start while one runs gets 409; stop ends the run early and says so")
    func oneRunAtATime() async throws {
        let fixture = try ServeFixture(trainCount: 200, testCount: 40)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let long = #"{"iters": 10000000, "batch-size": 10, "hidden": [10]}"#
            try await client.execute(uri: "/api/train", method: .post, body: body(long)) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/api/train", method: .post, body: body(#"{"iters": 10}"#)) { response async throws in
                #expect(response.status == .conflict)
                #expect(try errorMessage(response.body)
                        == "a training run is already running; stop it (POST /api/train/stop) or wait for it to finish")
            }
            try await client.execute(uri: "/api/train/save", method: .post, body: body(#"{"name": "early"}"#)) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/train/stop", method: .post) { #expect($0.status == .ok) }
            let events = try await client.execute(uri: "/api/train/events", method: .get) { String(buffer: $0.body) }
            #expect(events.contains("event: done"))
            #expect(events.contains(#""stopped":true"#))
            try await client.execute(uri: "/api/train/stop", method: .post) { response async throws in
                #expect(response.status == .conflict)
                #expect(try errorMessage(response.body) == "no training is running")
            }
        }
    }

    @Test("the form's values are checked as `dlfs train` checks its options", arguments: [
        (#"{"lr": -1}"#, "lr must be a positive number, not -1.0"),
        (#"{"hidden": "50,x"}"#, "hidden '50,x': 'x' is not a whole number"),
        (#"{"batch-size": 0}"#, "batch-size must be at least 1, not 0"),
        (#"{"epochs": 1, "iters": 5}"#, "give iters or epochs, not both"),
        (#"{"init": "huge"}"#, "init 'huge': give std:SIGMA (a positive number), xavier or he"),
        (#"{"optimizer": "lbfgs"}"#, "optimizer 'lbfgs' is not one of sgd, momentum, nesterov, adagrad, rmsprop, adam"),
        (#"{"learning-rate": 0.1}"#, "unknown field 'learning-rate'; the fields are dataset, model, hidden, activation, init, optimizer, lr, batch-size, epochs, iters, seed, dropout, weight-decay, batch-norm, evaluation-samples"),
        (#"{"model": "deep-convnet", "activation": "relu"}"#, "activation is an option of model mlp; deep-convnet is the book's net as it stands"),
        (#"{"model": "lenet"}"#, "model 'lenet' is not one of mlp, simple-convnet, deep-convnet"),
        (#"{"dataset": "cifar"}"#, "dataset: unknown dataset 'cifar'"),
        (#"{"batch-size": 500}"#, "batch-size 500 is larger than the 200 training images of mnist"),
        (#"{"epochs": "2"}"#, "epochs must be a number, not a string"),
    ])
    func refusesBadForms(_ form: String, _ message: String) async throws {
        let fixture = try ServeFixture(trainCount: 200, testCount: 10)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/api/train", method: .post, body: body(form)) { response async throws in
                #expect(response.status == .badRequest)
                let got = try errorMessage(response.body)
                #expect(got.hasPrefix(message), "\(got)")
            }
        }
    }
}

@Suite("dlfs serve on the real data: the book's chapter-3 weights and the MNIST test set")
struct RealDataServeTests {
    @Test("648 mistakes (accuracy 0.9352, as dlfs infer), and test image 0 predicted 7")
    func bookWeights() async throws {
        let weights = try RealData.path("\(RealData.shared)/book/sample_weight.pkl")
        let mnist = try RealData.path("\(RealData.shared)/mnist")
        let arrays = try loadWeights(weights)
        let parameters = try Dictionary(uniqueKeysWithValues: arrays.arrays.map { ($0.name, try $0.tensor(as: Float.self)) })
        let model = ServedModel(name: "chapter-3", model: try .chapterThreeNet(parameters: parameters))
        let testSet = try Dataset.read(.mnist, splits: [.test], from: mnist).split(.test)
        let configuration = ServeConfiguration(models: [model], dataset: .mnist, testSet: testSet, dataDirectory: mnist)
        try await Application(router: try DLFSServer.router(configuration)).test(.router) { client in
            try await client.execute(uri: "/api/mistakes", method: .get) { response async throws in
                let report = try json(response.body)
                #expect(report["mistakeCount"] as? Int == 648)
                #expect(report["accuracy"] as? Double == 0.9352)
                #expect((report["mistakes"] as? [Any])?.count == 648)
            }
            try await client.execute(uri: "/api/predict", method: .post, body: body(pixelsJSON(Array(testSet.image(at: 0))))) { response async throws in
                let models = try #require(try json(response.body)["models"] as? [[String: Any]])
                #expect(models[0]["prediction"] as? Int == 7)
            }
        }
    }
}
