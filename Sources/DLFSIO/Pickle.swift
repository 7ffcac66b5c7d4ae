import DLFSCore

/// A Python global that the pickle may name; only these are ever accepted, and none is ever executed:
/// the VM records calls to them as `PickleObject`s that `PickleArrays` interprets.
enum PickleGlobal: String, CaseIterable {
    case reconstruct1 = "numpy.core.multiarray._reconstruct"
    case reconstruct2 = "numpy._core.multiarray._reconstruct"
    case fromBuffer1 = "numpy.core.numeric._frombuffer"
    case fromBuffer2 = "numpy._core.numeric._frombuffer"
    case ndarray = "numpy.ndarray"
    case dtype = "numpy.dtype"
    case orderedDict = "collections.OrderedDict"
    case codecsEncode = "_codecs.encode"
    /// `bytes()`: how Python 3 writes an empty bytes object (an empty array's data) in protocol 2.
    case emptyBytes = "__builtin__.bytes"

    var isReconstruct: Bool { self == .reconstruct1 || self == .reconstruct2 }
    var isFromBuffer: Bool { self == .fromBuffer1 || self == .fromBuffer2 }
}

/// A call recorded by REDUCE or NEWOBJ, with the state BUILD gave it.
final class PickleObject {
    let callable: PickleGlobal
    let arguments: [PickleValue]
    var state: PickleValue?
    var depth: Int
    var isSealed = false
    init(callable: PickleGlobal, arguments: [PickleValue], depth: Int) {
        self.callable = callable
        self.arguments = arguments
        self.depth = depth
    }
}

/// A list or dict: mutable while on the stack, sealed once stored inside another value (see `depth`).
final class PickleContainer {
    var items: [PickleValue] = []
    var pairs: [(key: PickleValue, value: PickleValue)] = []
    var depth = 1
    var isSealed = false
}

/// A value on the VM's stack. Python 2 `str` (BINSTRING) stays raw bytes: NumPy's arrays written by
/// Python 2 hold their data in one, and Python 3 reads it with `encoding="latin1"`.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case legacyString([UInt8])
    case tuple([PickleValue], depth: Int)
    case list(PickleContainer)
    case dict(PickleContainer)
    case global(PickleGlobal)
    case object(PickleObject)

    /// Nesting depth, bounded so that freeing a hostile deeply nested value cannot overflow the stack.
    var depth: Int {
        switch self {
        case .tuple(_, let depth): depth
        case .list(let c), .dict(let c): c.depth
        case .object(let o): o.depth
        default: 1
        }
    }

    /// Whether this value is `object` itself (a list, dict or call put inside itself through the memo).
    func isIdentical(to object: AnyObject) -> Bool {
        switch self {
        case .list(let c), .dict(let c): c === object
        case .object(let o): o === object
        default: false
        }
    }

    /// Marks containers as no longer mutable, so the depth recorded for their parents stays true.
    func seal() {
        switch self {
        case .list(let c), .dict(let c): c.isSealed = true
        case .object(let o): o.isSealed = true
        default: break
        }
    }

    /// A short name of the kind of value, for error messages.
    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .legacyString: "Python 2 str"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .global(let g): g.rawValue
        case .object(let o): "\(o.callable.rawValue)(…)"
        }
    }

    /// Text of a `str`, or of a Python 2 `str` read as latin-1.
    var text: String? {
        switch self {
        case .string(let s): s
        case .legacyString(let b): String(decoding: b.map { UInt16($0) }, as: UTF16.self)
        default: nil
        }
    }
}

/// The stack machine that reads pickles of protocols 2 to 5. It understands the opcodes that pickled
/// dictionaries of NumPy arrays use and nothing else; it never imports or calls anything.
struct PickleMachine {
    static let maximumDepth = 32

    let file: String
    let bytes: [UInt8]
    var position = 0
    /// Where the current opcode starts and its name, for errors.
    var opcodeStart = 0
    var opcodeName = ""
    var stack: [PickleValue] = []
    var marks: [[PickleValue]] = []
    var memo: [Int: PickleValue] = [:]
    /// What the values built so far may still allocate; `PickleArrays` goes on spending it.
    var budget: ReadBudget

    /// What one value on the stack, in the memo or in a container costs, roughly: its box and its slot.
    static let valueCost = 48

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
        budget = ReadBudget(inputSize: bytes.count)
    }

    /// Charges `bytes` to the budget before they are allocated.
    mutating func charge(_ bytes: Int) throws {
        if let overrun = budget.charge(bytes) { throw fail(overrun) }
    }

    mutating func push(_ value: PickleValue) throws {
        try charge(Self.valueCost)
        stack.append(value)
    }

    func fail(_ message: String) -> WeightFileError {
        WeightFileError(file: file, offset: opcodeStart, opcodeName.isEmpty ? message : "\(opcodeName): \(message)")
    }

    /// Runs the pickle to its STOP and returns the value it built.
    mutating func run() throws -> PickleValue {
        while true {
            opcodeStart = position
            opcodeName = ""
            guard position < bytes.count else {
                throw WeightFileError(file: file, offset: position, "truncated pickle: ends before STOP")
            }
            let code = bytes[position]
            position += 1
            if let result = try execute(code) { return result }
        }
    }

    // MARK: Reading operands

    /// The next `n` bytes. Copies of operands are not charged: each byte of the input is copied at most once.
    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - position else {
            throw fail("needs \(n) bytes but only \(bytes.count - position) remain (truncated or hostile file)")
        }
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    mutating func littleEndian(_ n: Int) throws -> UInt64 {
        try take(n).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A length operand of `n` bytes, checked against what is left of the file before anything is
    /// allocated for it.
    mutating func length(_ n: Int) throws -> Int {
        let raw = try littleEndian(n)
        guard raw <= UInt64(bytes.count - position) else {
            throw fail("declares \(raw) bytes but only \(bytes.count - position) remain")
        }
        return Int(raw)
    }

    mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw fail("no newline before the end of the file") }
        defer { position = end + 1 }
        guard let text = String(validating: bytes[position..<end], as: UTF8.self) else { throw fail("operand is not UTF-8") }
        return text
    }

    // MARK: Stack

    mutating func pop() throws -> PickleValue {
        guard let top = stack.popLast() else { throw fail("stack underflow") }
        return top
    }

    mutating func popMark() throws -> [PickleValue] {
        guard let saved = marks.popLast() else { throw fail("no MARK before it") }
        let items = stack
        stack = saved
        return items
    }

    /// Checks and charges a new tuple (or list or dict items) holding `items`; returns its depth.
    mutating func nested(_ items: [PickleValue]) throws -> Int {
        try charge(items.count * MemoryLayout<PickleValue>.stride)
        let depth = 1 + (items.map(\.depth).max() ?? 0)
        guard depth <= Self.maximumDepth else { throw fail("values nested deeper than \(Self.maximumDepth) levels") }
        items.forEach { $0.seal() }
        return depth
    }

    mutating func memoize(_ index: Int) throws {
        guard let top = stack.last else { throw fail("stack underflow") }
        try charge(Self.valueCost)
        memo[index] = top
    }

    mutating func recall(_ index: Int) throws {
        guard let value = memo[index] else { throw fail("memo slot \(index) does not exist") }
        stack.append(value)
    }

    func allowedGlobal(module: String, name: String) throws -> PickleGlobal {
        guard let global = PickleGlobal(rawValue: "\(module).\(name)") else {
            throw fail("global '\(module).\(name)' is not allowed; only NumPy array reconstruction is "
                + "(\(PickleGlobal.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return global
    }
}
