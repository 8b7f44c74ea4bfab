// libFuzzer's entry point (`make fuzz`): compiled with swiftc into the HistLog module itself
// (-module-name HistLog -D HISTLOG_FUZZ), with Tests/HistLogTests/Fuzz/FuzzTargets.swift.
// HISTLOG_FUZZ_TARGET=json (default) or events picks the target.
import Glibc

private let eventsTarget = getenv("HISTLOG_FUZZ_TARGET").map { String(cString: $0) } == "events"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let problem = eventsTarget ? FuzzTargets.events(bytes) : FuzzTargets.json(bytes) {
        fatalError(problem)
    }
    return 0
}
