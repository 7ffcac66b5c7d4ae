#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DLFSCore

/// Formats vectors exactly as NumPy 2's `print(array)` does with default print options (precision 8,
/// `floatmode='maxprec'`, line width 75, summarised beyond 1000 elements), so commands print the book's
/// output, e.g. `[-6.11110793e-10  8.14814391e-10]`.
///
/// The rules follow `numpy.core.arrayprint.FloatingFormat`: scientific notation when the largest non-zero
/// magnitude is ≥ 1e8 or the smallest is < 1e-4 or their ratio exceeds 1000; every number is the shortest
/// decimal that round-trips, cut to 8 fractional digits (rounding the exact binary value); all elements are
/// padded to a common width.
public enum NumPyFormat {
    static let precision = 8
    static let lineWidth = 75
    static let threshold = 1000
    static let edgeItems = 3

    /// `print(np.array(values))` for a one-dimensional array.
    public static func string<Scalar: TensorScalar>(_ values: [Scalar]) -> String {
        let summarised = values.count > threshold
        let shown = summarised ? Array(values.prefix(edgeItems) + values.suffix(edgeItems)) : values
        let formatter = ElementFormatter(shown)
        var words = shown.map(formatter.format)
        if summarised { words.insert("...", at: edgeItems) }
        return wrap(words)
    }

    /// `print(array)` for a rank-1 tensor.
    public static func string<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) -> String {
        precondition(tensor.rank == 1, "NumPyFormat formats vectors, got shape \(tensor.shape)")
        return string(tensor.scalars)
    }

    /// Joins words with one space, breaking lines before `lineWidth` with a one-space hanging indent.
    static func wrap(_ words: [String]) -> String {
        let indent = " "
        var text = ""
        var line = indent
        for (i, word) in words.enumerated() {
            let isLast = i == words.count - 1
            // Room up to the separator, or up to the closing bracket for the last word.
            let width = lineWidth - 1
            if line.count + word.count > width && line.count > indent.count {
                text += String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
                line = indent
            }
            line += word
            if !isLast { line += " " }
        }
        text += line
        return "[" + text.dropFirst(indent.count) + "]"
    }
}

/// A decimal number as digits d₁d₂…dₙ (no leading or trailing zeros) times 10^(exponent − 1) for d₁.
struct DecimalDigits {
    var negative: Bool
    var digits: [UInt8]
    /// The position of the decimal point: value = 0.d₁d₂… × 10^pointPosition.
    var pointPosition: Int

    var isZero: Bool { digits.isEmpty }

    /// Parses Swift's shortest round-trip `description` ("-0.001", "1e-05", "2.5e+13").
    init<Scalar: TensorScalar>(shortest value: Scalar) {
        self.init(parsing: String(describing: value))
    }

    init(negative: Bool, digits: [UInt8], pointPosition: Int) {
        self.negative = negative
        self.digits = digits
        self.pointPosition = pointPosition
    }
}

/// One array's common layout: positional or scientific, and the padding every element gets.
struct ElementFormatter {
    var scientific = false
    var padLeft = 0
    var padRight = 0
    /// Fractional digits in scientific mode (all elements get this many) and exponent digits.
    var sciPrecision = 0
    var exponentDigits = 0

    init<Scalar: TensorScalar>(_ values: [Scalar]) {
        let finite = values.filter(\.isFinite).map(Double.init)
        let nonZero = finite.filter { $0 != 0 }.map(abs)
        if let maxValue = nonZero.max(), let minValue = nonZero.min() {
            scientific = maxValue >= 1e8 || minValue < 1e-4 || maxValue / minValue > 1000
        }
        if !finite.isEmpty {
            if scientific {
                let parts = finite.map { Self.scientificParts($0, precision: NumPyFormat.precision) }
                sciPrecision = parts.map(\.fraction.count).max() ?? 0
                exponentDigits = parts.map { String($0.exponent.magnitude).count }.max().map { Swift.max($0, 2) } ?? 2
                padLeft = parts.map(\.integer.count).max() ?? 0
                padRight = exponentDigits + 2 + sciPrecision
            } else {
                let parts = finite.map { Self.positionalParts($0, precision: NumPyFormat.precision) }
                padLeft = parts.map(\.integer.count).max() ?? 0
                padRight = parts.map(\.fraction.count).max() ?? 0
            }
        }
        let infinities = values.filter(\.isInfinite)
        if infinities.count > 0 || values.contains(where: \.isNaN) {
            let negativeInfinity = infinities.contains { $0 < 0 } ? 1 : 0
            padLeft = Swift.max(padLeft, 3 - (padRight + 1), 3 + negativeInfinity - (padRight + 1))
        }
    }

    func format<Scalar: TensorScalar>(_ value: Scalar) -> String {
        guard value.isFinite else {
            let text = value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")
            return String(repeating: " ", count: Swift.max(0, padLeft + padRight + 1 - text.count)) + text
        }
        let x = Double(value)
        if scientific {
            let p = Self.scientificParts(x, precision: sciPrecision)
            let fraction = p.fraction.rightPadded(to: sciPrecision, with: "0")
            let exponent = String(p.exponent.magnitude).leftPadded(to: exponentDigits, with: "0")
            return p.integer.leftPadded(to: padLeft, with: " ") + "." + fraction
                + "e" + (p.exponent < 0 ? "-" : "+") + exponent
        }
        let p = Self.positionalParts(x, precision: NumPyFormat.precision)
        return p.integer.leftPadded(to: padLeft, with: " ") + "." + p.fraction.rightPadded(to: padRight, with: " ")
    }

    /// The shortest round-trip digits of `x`, or its exact value rounded to `precision` digits after the
    /// point when the shortest form needs more (trailing zeros dropped either way), in scientific form.
    static func scientificParts(_ x: Double, precision: Int) -> (integer: String, fraction: String, exponent: Int) {
        var d = DecimalDigits(shortest: x)
        if d.digits.count - 1 > precision { d = rounded(x, format: "%.\(precision)e") }
        let sign = d.negative ? "-" : ""
        guard let first = d.digits.first else { return (sign + "0", "", 0) }
        return (sign + String(first), d.digits.dropFirst().map(String.init).joined(), d.pointPosition - 1)
    }

    /// As `scientificParts`, in positional form with at most `precision` fractional digits.
    static func positionalParts(_ x: Double, precision: Int) -> (integer: String, fraction: String) {
        var d = DecimalDigits(shortest: x)
        if d.digits.count - d.pointPosition > precision { d = rounded(x, format: "%.\(precision)f") }
        let sign = d.negative ? "-" : ""
        let point = d.pointPosition
        let integerDigits = point > 0 ? d.digits.prefix(point).map(String.init).joined() : ""
        let integer = integerDigits.rightPadded(to: Swift.max(point, 1), with: "0")
        let fractionDigits = point >= 0
            ? d.digits.dropFirst(point).map(String.init).joined()
            : String(repeating: "0", count: -point) + d.digits.map(String.init).joined()
        return (sign + integer, fractionDigits)
    }

    /// The C library's correctly rounded conversion of the exact binary value, parsed back into digits.
    static func rounded(_ x: Double, format: String) -> DecimalDigits {
        var buffer = [CChar](repeating: 0, count: 512)
        let length = withVaList([x]) { vsnprintf(&buffer, buffer.count, format, $0) }
        let text = String(decoding: buffer.prefix(Swift.max(0, Swift.min(Int(length), buffer.count - 1))).map(UInt8.init(bitPattern:)), as: UTF8.self)
        return DecimalDigits(parsing: text)
    }
}

extension DecimalDigits {
    /// Parses a decimal such as "-6.11110793e-10", "0.39785867" or "1e-05".
    init(parsing text: String) {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(body[body.index(after: e)...]) ?? 0
            body = body[..<e]
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        let integer = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        var all = (integer + fraction).compactMap { $0.asciiValue.map { $0 - 48 } }
        var point = integer.count + exponent
        while let first = all.first, first == 0 { all.removeFirst(); point -= 1 }
        while let last = all.last, last == 0 { all.removeLast() }
        self.init(negative: negative, digits: all, pointPosition: all.isEmpty ? 1 : point)
    }
}

extension String {
    func rightPadded(to length: Int, with pad: Character) -> String {
        count >= length ? self : self + String(repeating: pad, count: length - count)
    }

    func leftPadded(to length: Int, with pad: Character) -> String {
        count >= length ? self : String(repeating: pad, count: length - count) + self
    }
}
