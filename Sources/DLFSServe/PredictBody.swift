import DLFSIO
import Hummingbird

/// `POST /api/predict`'s request and answer without a JSON value per number: the page sends one every few
/// strokes, a load test thousands a second, and building 784 values and encoding the answer through
/// `JSONEncoder` cost more than the prediction itself.
enum PredictBody {
    /// The grey levels of a body that is exactly `{"pixels": [count numbers from 0 to 255]}` (any JSON
    /// whitespace; numbers as the general reader takes them, each rounded to the nearest level), or nil for
    /// anything else: the general reader then reads the body again to say precisely what is wrong. So the
    /// levels returned are always those the general reader would give, and its errors stay the only ones.
    static func levels(_ body: UnsafeRawBufferPointer, count: Int) -> [UInt8]? {
        var scanner = Scanner(text: body)
        guard scanner.take("{"), scanner.take("\""), scanner.word("pixels\""), scanner.take(":"), scanner.take("["),
              count > 0
        else { return nil }
        var levels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            guard i == 0 || scanner.take(","), let level = scanner.level() else { return nil }
            levels[i] = level
        }
        guard scanner.take("]"), scanner.take("}"), scanner.atEnd else { return nil }
        return levels
    }

    private struct Scanner {
        let text: UnsafeRawBufferPointer
        var position = 0

        mutating func skipSpace() {
            while position < text.count {
                switch text[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        /// Skips whitespace, then `byte` if it is next.
        mutating func take(_ byte: Unicode.Scalar) -> Bool {
            skipSpace()
            guard position < text.count, text[position] == UInt8(ascii: byte) else { return false }
            position += 1
            return true
        }

        /// `word`'s bytes next, with nothing between them.
        mutating func word(_ word: StaticString) -> Bool {
            let bytes = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard text.count - position >= bytes.count, text[position..<(position + bytes.count)].elementsEqual(bytes) else { return false }
            position += bytes.count
            return true
        }

        /// Only whitespace left.
        var atEnd: Bool {
            mutating get { skipSpace(); return position == text.count }
        }

        /// A number from 0 to 255 rounded to a grey level: the bytes the general reader would take as one
        /// number token, read as it reads them (`Int`, else `Double`); 0 to 3 digits, the usual case, directly.
        mutating func level() -> UInt8? {
            skipSpace()
            // A JSON number starts with a digit or a minus sign (the general reader refuses "+1" and ".5").
            guard position < text.count, text[position] == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[position])
            else { return nil }
            let start = position
            var digitsOnly = true
            var value = 0
            scan: while position < text.count {
                let byte = text[position]
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value &* 10 &+ Int(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): digitsOnly = false
                default: break scan
                }
                position += 1
            }
            let length = position - start
            if digitsOnly && length <= 3 { return value <= 255 ? UInt8(value) : nil }
            let token = String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<position]), as: UTF8.self)
            guard let number = Int(token).map(Double.init) ?? Double(token), number >= 0, number <= 255 else { return nil }
            return UInt8(number.rounded())
        }
    }

    /// `{"models": [{"name": …, "prediction": k, "probabilities": [p0, …]}, …]}`: the bytes `jsonResponse`
    /// (sorted keys) gave, each probability in the shortest form that reads back as the same Float.
    static func answer(_ predictions: [Prediction]) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(32 + predictions.count * 256)
        buffer.writeStaticString("{\"models\":[")
        for (m, prediction) in predictions.enumerated() {
            buffer.writeStaticString(m == 0 ? "{\"name\":" : ",{\"name\":")
            buffer.writeString(jsonQuoted(prediction.name))
            buffer.writeStaticString(",\"prediction\":")
            buffer.writeString(String(prediction.prediction))
            buffer.writeStaticString(",\"probabilities\":[")
            for (i, p) in prediction.probabilities.enumerated() {
                guard p.isFinite else {
                    throw requestError("\(prediction.name) gave a probability of \(p) (its weights are not finite)", .internalServerError)
                }
                if i > 0 { buffer.writeStaticString(",") }
                // Float's description is the shortest round-trip form; JSON has no ".0" on whole numbers.
                let text = p.description
                buffer.writeString(text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
            }
            buffer.writeStaticString("]}")
        }
        buffer.writeStaticString("]}")
        return buffer
    }
}

/// One model's answer to a drawing.
struct Prediction {
    var name: String
    var prediction: Int
    var probabilities: [Float]
}
