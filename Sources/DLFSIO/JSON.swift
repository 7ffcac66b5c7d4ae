import DLFSCore

/// A small JSON reader for safetensors headers (and, within the package, `dlfs serve`'s request bodies):
/// keeps object keys in order, keeps numbers as their text (so an integer too large for `Int` is reported,
/// not rounded), and reports the byte of any error.
package enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The integer this number spells, or nil when it is not an integer or does not fit `Int`.
    package var integer: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }
}

package struct JSONParser {
    package struct Failure: Error {
        package let offset: Int
        package let message: String
        /// True when the text would need more memory than its `ReadBudget` allows, not malformed JSON.
        package var isOverrun = false
    }

    /// What one parsed value costs, roughly (its slot and its share of a container's storage); a string
    /// also costs twice its bytes (the UTF-16 units gathered, then the string).
    static let valueCost = 128

    static let maximumDepth = 16

    let bytes: ArraySlice<UInt8>
    var position: Int
    var budget: ReadBudget
    /// What the text is, for "unexpected end of the header".
    let what: String

    init(_ bytes: ArraySlice<UInt8>, what: String, budget: ReadBudget) {
        self.bytes = bytes
        position = bytes.startIndex
        self.what = what
        self.budget = budget
    }

    /// Parses one value filling the whole input (trailing spaces allowed: the header padding), charging
    /// what it builds to `budget`.
    package static func parse(_ bytes: ArraySlice<UInt8>, what: String = "header", budget: inout ReadBudget) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes, what: what, budget: budget)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == bytes.endIndex else { throw parser.failure("unexpected text after the JSON value") }
        budget = parser.budget
        return value
    }

    mutating func charge(_ bytes: Int) throws(Failure) {
        if let overrun = budget.charge(bytes) { throw Failure(offset: position - self.bytes.startIndex, message: overrun, isOverrun: true) }
    }

    func failure(_ message: String) -> Failure { Failure(offset: position - bytes.startIndex, message: message) }

    mutating func skipSpace() {
        while position < bytes.endIndex {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// The bytes a number may hold (its grammar is then checked by parsing it).
    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "e"),
             UInt8(ascii: "E"): true
        default: false
        }
    }

    mutating func expect(_ byte: UInt8) throws(Failure) {
        skipSpace()
        guard position < bytes.endIndex, bytes[position] == byte else {
            throw failure("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maximumDepth else { throw failure("nested too deeply") }
        try charge(Self.valueCost)
        skipSpace()
        guard position < bytes.endIndex else { throw failure("unexpected end of the \(what)") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(key: String, value: JSONValue)] = []
            var keys = Set<String>()  // a linear search per key would be quadratic in a hostile header
            skipSpace()
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            repeat {
                skipSpace()
                let keyStart = position
                let key = try string()
                if !keys.insert(key).inserted {
                    position = keyStart
                    throw failure("duplicate key \"\(key)\"")
                }
                try expect(UInt8(ascii: ":"))
                members.append((key, try value(depth: depth + 1)))
            } while try separator(closing: UInt8(ascii: "}"))
            return .object(members)
        case UInt8(ascii: "["):
            position += 1
            var items: [JSONValue] = []
            skipSpace()
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
            repeat { items.append(try value(depth: depth + 1)) } while try separator(closing: UInt8(ascii: "]"))
            return .array(items)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = position
            position += 1
            while position < bytes.endIndex, Self.isNumberByte(bytes[position]) { position += 1 }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            // Integers, the common case, without strtod.
            guard Int(text) != nil || Double(text) != nil else { position = start; throw failure("malformed number \(text)") }
            return .number(text)
        default: throw failure("unexpected character")
        }
    }

    /// After an item: true at ',', false at the closing bracket.
    mutating func separator(closing: UInt8) throws(Failure) -> Bool {
        skipSpace()
        guard position < bytes.endIndex else { throw failure("unexpected end of the \(what)") }
        let byte = bytes[position]
        position += 1
        if byte == UInt8(ascii: ",") { return true }
        if byte == closing { return false }
        position -= 1
        throw failure("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
    }

    mutating func literal(_ word: String) throws(Failure) {
        for byte in word.utf8 {
            guard position < bytes.endIndex, bytes[position] == byte else { throw failure("expected \(word)") }
            position += 1
        }
    }

    mutating func string() throws(Failure) -> String {
        guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a string") }
        position += 1
        var utf16: [UInt16] = []
        var run = position
        func flush(_ end: Int) { utf16 += String(decoding: bytes[run..<end], as: UTF8.self).utf16 }
        while true {
            guard position < bytes.endIndex else { throw failure("unterminated string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { break }
            guard byte >= 0x20 else { throw failure("control character in a string") }
            guard byte == UInt8(ascii: "\\") else { position += 1; continue }
            flush(position)
            position += 1
            guard position < bytes.endIndex else { throw failure("unterminated string") }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf16.append(UInt16(escape))
            case UInt8(ascii: "b"): utf16.append(8)
            case UInt8(ascii: "f"): utf16.append(12)
            case UInt8(ascii: "n"): utf16.append(10)
            case UInt8(ascii: "r"): utf16.append(13)
            case UInt8(ascii: "t"): utf16.append(9)
            case UInt8(ascii: "u"):
                guard position + 4 <= bytes.endIndex,
                      let unit = UInt16(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
                else { throw failure("malformed \\u escape") }
                utf16.append(unit)
                position += 4
            default: throw failure("unknown escape \\\(Character(Unicode.Scalar(escape)))")
            }
            run = position
        }
        flush(position)
        try charge(2 * utf16.count * MemoryLayout<UInt16>.stride)
        position += 1
        guard let text = String(validating: utf16, as: UTF16.self) else { throw failure("string is not valid Unicode") }
        return text
    }
}

/// JSON text of a string as serde_json (the Python safetensors writer) spells it.
package func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
