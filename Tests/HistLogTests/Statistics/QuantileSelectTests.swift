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

    /// Several ranks of a region at once (in turn up to `quickselectLimit`, split by key bits
    /// above it), with the region's bounds exact, wider than its keys, or spanning every key.
    @Test(arguments: [17, 1_000, 1_025, 5_000, 100_003])
    func selectsSeveralRanksOfASortedCopy(count: Int) {
        for (name, keys) in Self.orders(count) {
            let sorted = keys.sorted()
            let quantileRanks = [0.1, 0.25, 0.5, 0.75, 0.9].flatMap { p -> [Int] in
                let rank = Int(p * Double(count - 1))
                return [rank, Swift.min(rank + 1, count - 1)]
            }
            let rankSets = [quantileRanks, [0], [count - 1], [0, 1, 2, count - 3, count - 2, count - 1]].map { Array(Set($0)).sorted() }
            let bounds: [(UInt32, UInt32)] = [(sorted[0], sorted[count - 1]), (sorted[0] / 2, sorted[count - 1] | 0xFFFF), (0, .max)]
            for ranks in rankSets {
                for (low, high) in bounds {
                    var work = keys
                    let selected = work.withUnsafeMutableBufferPointer { QuantileSelection<Float>.select(ranks, in: $0, low: low, high: high) }
                    #expect(selected == ranks.map { sorted[$0] }, "\(name) n=\(count) ranks=\(ranks) bounds \(low)...\(high)")
                }
            }
        }
    }
}
