import DLFSCore
import DLFSIO
import Foundation
import Hummingbird

extension JSONValue {
    /// What kind of value it is, for messages ("a string").
    var kind: String {
        switch self {
        case .number: "a number"
        case .string: "a string"
        case .bool: "true or false"
        case .array: "an array"
        case .object: "an object"
        case .null: "null"
        }
    }

    /// The number's value (its text is known to spell one); integers, the common case, without strtod.
    var double: Double? {
        guard case .number(let text) = self else { return nil }
        return Int(text).map(Double.init) ?? Double(text)
    }
}

/// A 4xx answer: `{"error": {"message": …}}` with the status.
func requestError(_ message: String, _ status: HTTPResponse.Status = .badRequest) -> HTTPError {
    HTTPError(status, message: message)
}

/// The fields of a JSON object body, read one by one; unknown fields are refused.
struct RequestFields {
    private let fields: [String: JSONValue]

    /// Reads at most `limit` bytes of the body (413 beyond), parses it as one JSON object (400 otherwise)
    /// and refuses fields outside `allowed`.
    static func read(_ request: Request, limit: Int, allowed: [String]) async throws -> RequestFields {
        try RequestFields(parsing: try await body(request, limit: limit), allowed: allowed)
    }

    /// At most `limit` bytes of the body; 413 beyond.
    static func body(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do { return try await request.body.collect(upTo: limit) } catch {
            throw requestError("the body is larger than \(limit) bytes", .contentTooLarge)
        }
    }

    /// `body` as one JSON object (400 otherwise) with no field outside `allowed`.
    init(parsing body: ByteBuffer, allowed: [String]) throws {
        let value: JSONValue
        var budget = ReadBudget(inputSize: body.readableBytes)
        do { value = try JSONParser.parse(ArraySlice(body.readableBytesView), what: "body", budget: &budget) } catch {
            throw requestError("the body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let members) = value else { throw requestError("the body must be a JSON object, not \(value.kind)") }
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw requestError("unknown field '\(unknown.key)'; the fields are \(allowed.joined(separator: ", "))")
        }
        fields = Dictionary(members, uniquingKeysWith: { first, _ in first })
    }

    subscript(name: String) -> JSONValue? {
        if case .null = fields[name] { return nil }
        return fields[name]
    }

    func string(_ name: String) throws -> String? {
        guard let value = self[name] else { return nil }
        guard case .string(let text) = value else { throw requestError("\(name) must be a string, not \(value.kind)") }
        return text
    }

    func number(_ name: String) throws -> Double? {
        guard let value = self[name] else { return nil }
        guard let number = value.double, number.isFinite else { throw requestError("\(name) must be a number, not \(value.kind)") }
        return number
    }

    /// A whole number (2 or 2.0, not 2.5).
    func integer(_ name: String) throws -> Int? {
        guard let number = try number(name) else { return nil }
        guard number.rounded() == number, abs(number) < 1e15 else { throw requestError("\(name) must be a whole number, not \(number)") }
        return Int(number)
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = self[name] else { return nil }
        guard case .bool(let flag) = value else { throw requestError("\(name) must be true or false, not \(value.kind)") }
        return flag
    }

    /// A string naming one case of `T` (an optimizer, an activation); the error lists the cases.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws -> T? where T.RawValue == String {
        guard let text = try string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw requestError("\(name) '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

/// The content type of every JSON answer.
let jsonContentType = "application/json; charset=utf-8"

/// A JSON answer with status 200 (or `status`).
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    return Response(status: status, headers: [.contentType: jsonContentType],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
