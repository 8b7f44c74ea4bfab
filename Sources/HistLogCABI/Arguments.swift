import CHistLog
import HistLog

// Checks of C arguments, shared by the exports. Sizes arrive as `Int` because Swift imports
// `size_t` as `Int`: a size above `Int.max` shows up negative and is refused here.

/// A non-negative size (`size_t`) argument.
func size(_ value: Int, _ name: String) throws -> Int {
    guard value >= 0 else {
        throw Failure.invalid("\(name) is \(UInt(bitPattern: value)), larger than any buffer")
    }
    return value
}

/// The caller's `(pointer, count)` as a buffer over its memory, not copied. NULL is accepted
/// only with count 0.
func input<Element>(_ pointer: UnsafePointer<Element>?, count: Int, _ name: String, _ countName: String) throws -> UnsafeBufferPointer<Element> {
    let count = try size(count, countName)
    guard let pointer else {
        guard count == 0 else { throw Failure(status: HL_ENULL, message: "\(name) is NULL but \(countName) is \(count)") }
        return UnsafeBufferPointer(start: nil, count: 0)
    }
    return UnsafeBufferPointer(start: pointer, count: count)
}

/// bfloat16 values arrive as `uint16_t`: the same memory, read as `BFloat16` (one `UInt16`).
func bfloat16(_ values: UnsafePointer<UInt16>?) -> UnsafePointer<BFloat16>? {
    UnsafeRawPointer(values)?.assumingMemoryBound(to: BFloat16.self)
}

/// A caller-provided output buffer of `capacity` elements. NULL is accepted only with capacity 0.
func output<Element>(_ pointer: UnsafeMutablePointer<Element>?, capacity: Int, _ name: String, _ capacityName: String) throws -> UnsafeMutableBufferPointer<Element> {
    let capacity = try size(capacity, capacityName)
    guard let pointer else {
        guard capacity == 0 else { throw Failure(status: HL_ENULL, message: "\(name) is NULL but \(capacityName) is \(capacity)") }
        return UnsafeMutableBufferPointer(start: nil, count: 0)
    }
    return UnsafeMutableBufferPointer(start: pointer, count: capacity)
}

/// A required pointer argument.
func required<Pointee>(_ pointer: UnsafePointer<Pointee>?, _ name: String) throws -> UnsafePointer<Pointee> {
    guard let pointer else { throw Failure.null(name) }
    return pointer
}

/// A required output pointer argument.
func required<Pointee>(_ pointer: UnsafeMutablePointer<Pointee>?, _ name: String) throws -> UnsafeMutablePointer<Pointee> {
    guard let pointer else { throw Failure.null(name) }
    return pointer
}

/// A NUL-terminated, non-empty UTF-8 string argument (a key or a path).
func text(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let pointer else { throw Failure.null(name) }
    guard let string = String(validatingCString: pointer) else {
        throw Failure.invalid("\(name) is not valid UTF-8")
    }
    guard !string.isEmpty else { throw Failure.invalid("\(name) is empty") }
    return string
}

/// The Swift object an opaque handle (`hl_run *`, `hl_reader *`) points to, still owned by the handle.
func object<Object: AnyObject>(_ handle: OpaquePointer?, _ name: String, as type: Object.Type = Object.self) throws -> Object {
    guard let handle else { throw Failure.null(name) }
    return Unmanaged<Object>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// A new handle owning one reference to `object`; `release` gives it back.
func retainedHandle(_ object: AnyObject) -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(object).toOpaque())
}

/// Ends a handle made by `retainedHandle`, returning its object (alive while the caller holds it).
func release<Object: AnyObject>(_ handle: OpaquePointer, as type: Object.Type) -> Object {
    Unmanaged<Object>.fromOpaque(UnsafeRawPointer(handle)).takeRetainedValue()
}

/// A C timestamp: Unix seconds, or NaN for the current time (the engine's nil).
func unixTime(_ seconds: Double) -> Double? {
    seconds.isNaN ? nil : seconds
}

/// An options struct that starts with its `uint32_t size` (`hl_bin_config`, `hl_doctor_options`):
/// its size is read first, and the struct only when the size is this header's (a later header's
/// larger struct must never be read past the fields this library knows).
func sized<Options>(_ pointer: UnsafePointer<Options>, _ name: String) throws -> Options {
    let size = UnsafeRawPointer(pointer).load(as: UInt32.self)
    try checkSize(Int(size), of: Options.self, name)
    return pointer.pointee
}

/// `size` must be the size of `Options` as this library was compiled: the only layout so far.
func checkSize<Options>(_ size: Int, of type: Options.Type, _ name: String) throws {
    let known = MemoryLayout<Options>.size
    guard size == known else {
        throw Failure.invalid(
            "\(name) is \(UInt(bitPattern: size)), but this library knows size \(known) only: "
                + "fill the struct with its *_init function and sizeof")
    }
}

/// An `int64_t` count as an `Int`.
func integer(_ value: Int64, _ name: String) throws -> Int {
    guard let value = Int(exactly: value) else { throw Failure.invalid("\(name) is \(value), out of range") }
    return value
}
