@testable import DLFSServe
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("POST /api/predict's direct reader and writer")
struct PredictBodyTests {
    /// 784 levels 0, 1, …, 255, 0, 1, … with `separator` between them and `spacing` around the brackets.
    static func ramp(_ spellings: [Int: String] = [:], separator: String = ",", spacing: String = "") -> String {
        let numbers = (0..<784).map { spellings[$0] ?? String($0 % 256) }
        return "\(spacing){\(spacing)\"pixels\"\(spacing):\(spacing)[\(spacing)" + numbers.joined(separator: separator)
            + "\(spacing)]\(spacing)}\(spacing)"
    }

    static let rampLevels = (0..<784).map { UInt8($0 % 256) }

    static func levels(_ text: String) -> [UInt8]? {
        Array(text.utf8).withUnsafeBytes { PredictBody.levels($0, count: 784) }
    }

    @Test("JSON whitespace anywhere, exponents, fractions (rounded half away from zero), -0 and leading zeros are read as levels",
          arguments: [
        (ramp(), rampLevels),
        (ramp(separator: " ,\n\t", spacing: " \r\n\t "), rampLevels),
        (ramp([0: "-0", 1: "1.0", 2: "0.2e1", 3: "3E0", 4: "0.4e+1", 5: "500e-2", 6: "0006", 255: "2.55e2", 256: "0.4"]), rampLevels),
        (ramp([0: "0.5", 1: "1.49", 2: "254.5", 3: "-0.0", 4: "1e-300"]), [1, 1, 255, 0, 0] + rampLevels.dropFirst(5)),
    ])
    func readsLevels(_ text: String, _ expected: [UInt8]) {
        #expect(Self.levels(text) == expected)
    }

    @Test("anything else is left to the general reader", arguments: [
        ramp([5: "256"]), ramp([5: "255.5"]), ramp([5: "-1"]), ramp([5: "-0.6"]), ramp([5: "1e3"]), ramp([5: "1e999"]),
        ramp([5: "NaN"]), ramp([5: "-nan"]), ramp([5: "Infinity"]), ramp([5: "+1"]), ramp([5: ".5"]), ramp([5: "e5"]), ramp([5: "1e"]), ramp([5: "1.2.3"]), ramp([5: "1-2"]),
        ramp([5: "\"7\""]), ramp([5: "null"]), ramp([5: "0x10"]), ramp([5: ""]),
        ramp() + "x", ramp() + "}", String(ramp().dropLast(2)), ramp().replacingOccurrences(of: "\"pixels\"", with: "\"pixel\\u0073\""),
        ramp().replacingOccurrences(of: "]}", with: "], \"model\": \"x\"}"), "{\"pixels\": []}", "[]", "",
        "{\"pixels\": [" + Array(repeating: "0", count: 783).joined(separator: ",") + "]}",
        "{\"pixels\": [" + Array(repeating: "0", count: 785).joined(separator: ",") + "]}",
    ])
    func leavesOthers(_ text: String) {
        #expect(Self.levels(text) == nil)
    }

    @Test("the general reader's precise errors for what the direct one leaves", arguments: [
        (ramp([5: "NaN"]), "the body is not valid JSON: unexpected character at byte 21"),
        (ramp([5: "1e999"]), "pixels[5] is outside 0-255; grey levels are numbers from 0 to 255"),
        (ramp([5: "255.5"]), "pixels[5] is outside 0-255; grey levels are numbers from 0 to 255"),
        (ramp([5: "-0.6"]), "pixels[5] is outside 0-255; grey levels are numbers from 0 to 255"),
        (ramp([5: "1-2"]), "the body is not valid JSON: malformed number 1-2 at byte 21"),
        (ramp() + " x", "the body is not valid JSON: unexpected text after the JSON value at byte \(ramp().utf8.count + 1)"),
        ("{\"pixels\": [" + Array(repeating: "0", count: 783).joined(separator: ",") + "]}", "pixels has 783 values; a 28 × 28 image needs 784"),
    ])
    func errors(_ text: String, _ message: String) async throws {
        let fixture = try ServeFixture(trainCount: 10, testCount: 10)
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/api/predict", method: .post, body: body(text)) { response async throws in
                #expect(response.status == .badRequest)
                #expect(try errorMessage(response.body) == message)
            }
        }
    }

    @Test("a body spelled differently predicts as its integer levels do")
    func spellingsPredictAlike() async throws {
        let fixture = try ServeFixture(trainCount: 10, testCount: 10)
        defer { fixture.remove() }
        let expected = fixture.expected(Self.rampLevels)
        try await fixture.application().test(.router) { client in
            let text = Self.ramp([0: "-0", 255: "2.55e2", 300: "44.4", 301: "44.5"], separator: " , ", spacing: "\n")
            try await client.execute(uri: "/api/predict", method: .post, body: body(text)) { response async throws in
                #expect(response.status == .ok)
                let models = try #require(try json(response.body)["models"] as? [[String: Any]])
                #expect(models[0]["prediction"] as? Int == expected.prediction)
                let probabilities = try #require(models[0]["probabilities"] as? [Double])
                #expect(probabilities.map(Float.init) == expected.probabilities)
            }
        }
    }

    /// What the answer was before it was written by hand: the same values through `JSONEncoder`.
    private struct Encoded: Encodable {
        struct Model: Encodable {
            var name: String
            var prediction: Int
            var probabilities: [Float]
        }
        var models: [Model]
    }

    @Test("the answer has the bytes JSONEncoder with sorted keys gives: shortest round-trip floats, escaped names")
    func answerBytes() throws {
        let predictions = [
            Prediction(name: "chapter-3", prediction: 1, probabilities: [0, 1, 0.5, 1e-5, 1.2345678e-5, 0.1, 0.99999994, .leastNonzeroMagnitude, 3.4028235e38, 16_777_216]),
            Prediction(name: "a/b \"c\" \\ \u{8}\u{c}\n\r\t\u{1} é 字", prediction: 9, probabilities: [2.5e-7, 4.7683716e-07, 1e-4, 0.001, 123_456_792]),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try encoder.encode(Encoded(models: predictions.map { .init(name: $0.name, prediction: $0.prediction, probabilities: $0.probabilities) }))
        #expect(String(buffer: try PredictBody.answer(predictions)) == String(decoding: expected, as: UTF8.self))
    }

    @Test("a probability that is not finite is a 500 naming the model, not invalid JSON")
    func nonFiniteAnswer() {
        #expect(throws: HTTPError.self) { try PredictBody.answer([Prediction(name: "diverged", prediction: 0, probabilities: [.nan, 0])]) }
    }
}
