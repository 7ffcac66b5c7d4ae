extension PickleMachine {
    /// Opcode names as `pickletools` prints them, for error messages.
    static let opcodeNames: [UInt8: String] = [
        0x80: "PROTO", 0x95: "FRAME", 0x2E: "STOP", 0x7D: "EMPTY_DICT", 0x5D: "EMPTY_LIST", 0x29: "EMPTY_TUPLE",
        0x28: "MARK", 0x73: "SETITEM", 0x75: "SETITEMS", 0x61: "APPEND", 0x65: "APPENDS", 0x58: "BINUNICODE",
        0x8C: "SHORT_BINUNICODE", 0x8D: "BINUNICODE8", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING",
        0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x8E: "BINBYTES8", 0x96: "BYTEARRAY8", 0x71: "BINPUT",
        0x72: "LONG_BINPUT", 0x94: "MEMOIZE", 0x68: "BINGET", 0x6A: "LONG_BINGET", 0x63: "GLOBAL",
        0x93: "STACK_GLOBAL", 0x52: "REDUCE", 0x62: "BUILD", 0x81: "NEWOBJ", 0x74: "TUPLE", 0x85: "TUPLE1",
        0x86: "TUPLE2", 0x87: "TUPLE3", 0x4A: "BININT", 0x4B: "BININT1", 0x4D: "BININT2", 0x8A: "LONG1",
        0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x4E: "NONE", 0x47: "BINFLOAT", 0x30: "POP", 0x31: "POP_MARK",
    ]

    /// Executes one opcode; returns the result at STOP.
    mutating func execute(_ code: UInt8) throws -> PickleValue? {
        guard let name = Self.opcodeNames[code] else {
            let printable = (0x21...0x7E).contains(code) ? " ('\(Character(Unicode.Scalar(code)))')" : ""
            throw WeightFileError(file: file, offset: opcodeStart,
                                  "unknown or unsupported pickle opcode 0x\(String(code, radix: 16, uppercase: true))\(printable)")
        }
        opcodeName = name
        switch code {
        case 0x80:  // PROTO
            let version = try littleEndian(1)
            guard (2...5).contains(version) else { throw fail("protocol \(version) is not supported (2 to 5 are)") }
        case 0x95: _ = try length(8)  // FRAME: a buffering hint; its length must still lie within the file
        case 0x2E: // STOP
            let result = try pop()
            guard stack.isEmpty, marks.isEmpty else { throw fail("values left on the stack") }
            return result
        case 0x7D: try push(.dict(PickleContainer()))
        case 0x5D: try push(.list(PickleContainer()))
        case 0x29: try push(.tuple([], depth: 1))
        case 0x28:  // MARK
            try charge(Self.valueCost)
            marks.append(stack)
            stack = []
        case 0x73:  // SETITEM
            let value = try pop(), key = try pop()
            try setItems([key, value])
        case 0x75: try setItems(try popMark())
        case 0x61: try append([try pop()])
        case 0x65: try append(try popMark())
        case 0x58: try pushText(length(4))
        case 0x8C: try pushText(length(1))
        case 0x8D: try pushText(length(8))
        case 0x54:  // BINSTRING: signed 4-byte length
            let n = try littleEndian(4)
            guard n < 0x8000_0000 else { throw fail("negative length") }
            position -= 4
            try push(.legacyString(Array(try take(length(4)))))
        case 0x55: try push(.legacyString(Array(try take(length(1)))))
        case 0x42: try push(.bytes(Array(try take(length(4)))))
        case 0x43: try push(.bytes(Array(try take(length(1)))))
        case 0x8E, 0x96: try push(.bytes(Array(try take(length(8)))))
        case 0x71: try memoize(Int(littleEndian(1)))
        case 0x72: try memoize(Int(littleEndian(4)))
        case 0x94: try memoize(memo.count)
        case 0x68: try recall(Int(littleEndian(1)))
        case 0x6A: try recall(Int(littleEndian(4)))
        case 0x63:  // GLOBAL: "module\nname\n"
            let module = try line(), name = try line()
            try push(.global(try allowedGlobal(module: module, name: name)))
        case 0x93:  // STACK_GLOBAL
            let name = try pop(), module = try pop()
            guard case .string(let n) = name, case .string(let m) = module else {
                throw fail("module and name must be strings, got \(module.kind) and \(name.kind)")
            }
            try push(.global(try allowedGlobal(module: m, name: n)))
        case 0x52:  // REDUCE
            let arguments = try pop(), callable = try pop()
            try push(try call(callable, arguments))
        case 0x81:  // NEWOBJ: cls.__new__(cls, *args)
            let arguments = try pop(), callable = try pop()
            try push(try call(callable, arguments))
        case 0x62: try build(state: try pop())
        case 0x74: let items = try popMark(); try push(.tuple(items, depth: try nested(items)))
        case 0x85, 0x86, 0x87:
            let n = Int(code - 0x84)
            guard stack.count >= n else { throw fail("stack underflow: needs \(n) items") }
            let items = Array(stack.suffix(n))
            stack.removeLast(n)
            try push(.tuple(items, depth: try nested(items)))
        case 0x4A: try push(.int(Int(Int32(bitPattern: UInt32(try littleEndian(4))))))
        case 0x4B: try push(.int(Int(try littleEndian(1))))
        case 0x4D: try push(.int(Int(try littleEndian(2))))
        case 0x8A:  // LONG1: little-endian two's complement of n bytes
            let n = try length(1)
            guard n <= 8 else { throw fail("integer of \(n) bytes does not fit 64 bits") }
            let digits = try take(n)
            var value = digits.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if n > 0, n < 8, let last = digits.last, last & 0x80 != 0 { value |= ~0 << (8 * UInt64(n)) }
            try push(.int(Int(Int64(bitPattern: value))))
        case 0x88: try push(.bool(true))
        case 0x89: try push(.bool(false))
        case 0x4E: try push(.none)
        case 0x47:  // BINFLOAT: big-endian double
            let bits = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            try push(.float(Double(bitPattern: bits)))
        case 0x30: _ = try pop()
        case 0x31: _ = try popMark()
        default: throw fail("opcode not handled")
        }
        return nil
    }

    mutating func pushText(_ n: Int) throws {
        try charge(n)
        let raw = try take(n)
        guard let text = String(validating: raw, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        try push(.string(text))
    }

    mutating func setItems(_ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw fail("odd number of items for key-value pairs") }
        guard case .dict(let dict)? = stack.last else { throw fail("target is \(stack.last?.kind ?? "missing"), not a dict") }
        guard !dict.isSealed else { throw fail("changes a dict already stored inside another value") }
        // Anything holding the dict deeper has sealed it already; only the dict itself can make a cycle here.
        guard !items.contains(where: { $0.isIdentical(to: dict) }) else { throw fail("puts a dict inside itself") }
        dict.depth = max(dict.depth, try nested(items))
        for i in stride(from: 0, to: items.count, by: 2) { dict.pairs.append((items[i], items[i + 1])) }
    }

    mutating func append(_ items: [PickleValue]) throws {
        guard case .list(let list)? = stack.last else { throw fail("target is \(stack.last?.kind ?? "missing"), not a list") }
        guard !list.isSealed else { throw fail("changes a list already stored inside another value") }
        guard !items.contains(where: { $0.isIdentical(to: list) }) else { throw fail("puts a list inside itself") }
        list.depth = max(list.depth, try nested(items))
        list.items += items
    }

    /// REDUCE and NEWOBJ: records the call; only `_codecs.encode` (bytes from a latin-1 string),
    /// `bytes()` (empty bytes) and `OrderedDict()` (an empty dict) are evaluated, without running any Python.
    mutating func call(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case .global(let global) = callable else { throw fail("cannot call a \(callable.kind)") }
        guard case .tuple(let args, let depth) = arguments else { throw fail("arguments are a \(arguments.kind), not a tuple") }
        switch global {
        case .codecsEncode:
            guard args.count == 2, case .string(let text) = args[0], let encoding = args[1].text,
                  ["latin1", "latin-1", "iso-8859-1"].contains(encoding.lowercased())
            else { throw fail("_codecs.encode is only accepted as encode(str, 'latin1')") }
            try charge(text.utf8.count)
            var out = [UInt8]()
            out.reserveCapacity(text.unicodeScalars.count)
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { throw fail("character U+\(String(scalar.value, radix: 16)) is not latin-1") }
                out.append(UInt8(scalar.value))
            }
            return .bytes(out)
        case .orderedDict:
            guard args.isEmpty else { throw fail("OrderedDict is only accepted without arguments") }
            return .dict(PickleContainer())
        case .emptyBytes:
            guard args.isEmpty else { throw fail("bytes is only accepted without arguments (empty bytes)") }
            return .bytes([])
        default:
            guard depth < Self.maximumDepth else { throw fail("values nested deeper than \(Self.maximumDepth) levels") }
            return .object(PickleObject(callable: global, arguments: args, depth: depth + 1))
        }
    }

    /// BUILD: `__setstate__` of the object on top of the stack, kept for `PickleArrays` to interpret.
    mutating func build(state: PickleValue) throws {
        guard case .object(let object)? = stack.last else { throw fail("target is \(stack.last?.kind ?? "missing"), not an object") }
        guard !object.isSealed, object.state == nil else { throw fail("state of \(object.callable.rawValue) set twice") }
        guard !state.isIdentical(to: object) else { throw fail("makes \(object.callable.rawValue)(…) its own state") }
        let depth = try nested([state])
        object.state = state
        object.depth = max(object.depth, depth + 1)
        guard object.depth <= Self.maximumDepth else { throw fail("values nested deeper than \(Self.maximumDepth) levels") }
    }
}
