import Foundation
import Hummingbird

/// A JSON value as a request sent it, so that each field can be checked by name and every refusal say
/// precisely which field is wrong and why (a typed `Decodable` stops at the first mismatch with a message
/// about coding paths).
enum JSONValue: Decodable, Sendable {
    case number(Double), string(String), bool(Bool), array([JSONValue]), object([String: JSONValue]), null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

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
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw requestError("the body is larger than \(limit) bytes", .contentTooLarge)
        }
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) } catch {
            throw requestError("the body is not valid JSON" + (buffer.readableBytes == 0 ? " (it is empty)" : ""))
        }
        guard case .object(let fields) = value else { throw requestError("the body must be a JSON object, not \(value.kind)") }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw requestError("unknown field '\(unknown)'; the fields are \(allowed.joined(separator: ", "))")
        }
        return RequestFields(fields: fields)
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
        guard case .number(let number) = value else { throw requestError("\(name) must be a number, not \(value.kind)") }
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

/// A JSON answer with status 200 (or `status`).
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
