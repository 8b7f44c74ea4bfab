import Testing

@testable import HistLog

/// `QuantileSelection.select` against a sorted copy, on orders that strain a quickselect:
/// sorted, reversed, organ pipe, all equal, few distinct keys, and random.
struct QuantileSelectTests {
    static func orders(_ n: Int) -> [(String, [UInt32])] {
        var g = SeededGenerator(seed: 11)
        return [
            ("sorted", (0..<n).map { UInt32($0) }),
            ("reversed", (0..<n).map { UInt32(n - $0) }),
            ("organ pipe", (0..<n).map { UInt32(Swift.min($0, n - $0)) }),
            ("all equal", [UInt32](repeating: 7, count: n)),
            ("few distinct", (0..<n).map { _ in UInt32.random(in: 0..<3, using: &g) }),
            ("random", (0..<n).map { _ in UInt32.random(in: 0..<UInt32.max, using: &g) }),
        ]
    }

    @Test(arguments: [1, 17, 1000, 100_003])
    func selectsTheRankOfASortedCopy(count: Int) {
        for (name, keys) in Self.orders(count) {
            let sorted = keys.sorted()
            for k in Set([0, count / 10, count / 2, count - 1]) {
                var work = keys
                let selected = work.withUnsafeMutableBufferPointer { QuantileSelection<Float>.select(k, in: $0) }
                #expect(selected == sorted[k], "\(name) n=\(count) k=\(k)")
            }
        }
    }
}
