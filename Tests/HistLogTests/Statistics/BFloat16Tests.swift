import Testing
@testable import HistLog

/// bfloat16 buffers are read in place and widened block by block: their summaries must be those
/// of the same values as `Float`, which the other suites check against the sorting reference.
struct BFloat16Tests {
    /// Round to nearest even, as `torch.Tensor.to(torch.bfloat16)` does (NaN kept quiet).
    static func bfloat16(_ x: Float) -> BFloat16 {
        let bits = x.bitPattern
        if x.isNaN { return BFloat16(bitPattern: UInt16(bits >> 16) | 0x0040) }
        return BFloat16(bitPattern: UInt16((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16))
    }

    @Test func widensExactly() {
        let cases: [(UInt16, Float)] = [
            (0x3F80, 1), (0xC000, -2), (0x0000, 0), (0x3E20, 0.15625), (0x7F7F, 3.3895314e38),
            (0x0001, Float(sign: .plus, exponent: -133, significand: 1)),  // smallest subnormal
            (0x7F80, .infinity), (0xFF80, -.infinity),
        ]
        for (bits, value) in cases { #expect(BFloat16(bitPattern: bits).floatValue == value, "\(bits)") }
        #expect(BFloat16(bitPattern: 0x8000).floatValue.sign == .minus)
        #expect(BFloat16(bitPattern: 0x7FC0).floatValue.isNaN)
        #expect(Self.bfloat16(1.00390625).floatValue == 1)  // a tie rounds to even
    }

    /// Sizes around a vector (8 values), a block (8,192) and a thread chunk (2^18).
    @Test(arguments: [0, 1, 7, 8, 9, 100, 8_191, 8_197, 70_001, 300_007])
    func summariesEqualThoseOfTheWidenedFloats(count: Int) throws {
        for distribution in count > 100_000 ? [.normal, .gradientLike] : Distribution.allCases {
            var values = distribution.sample(count, seed: UInt64(count)).map { Self.bfloat16(Float($0)) }
            // Finite values inside their bins: the histogram alone's fast kernels (pairs of bins from 2^14 values).
            let clean = try values.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: BinConfig(bins: 30)) }
            let cleanWidened = try values.map(\.floatValue).withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: BinConfig(bins: 30)) }
            #expect("\(clean)" == "\(cleanWidened)", "\(distribution) n=\(count) finite")
            if count > 50 {
                values[count / 3] = Self.bfloat16(.nan)
                values[count / 2] = Self.bfloat16(.infinity)
            }
            let floats = values.map(\.floatValue)
            for config in [BinConfig(bins: 30), BinConfig(bins: 12, scale: .automatic), BinConfig(bins: 20, range: (-1, 2))] {
                let label = "\(distribution) n=\(count) \(config)"
                let widened = try floats.withUnsafeBufferPointer { try HistogramSummary(values: $0, bins: config) }
                let inPlace = try values.withUnsafeBufferPointer { try HistogramSummary(values: $0, bins: config) }
                #expect("\(inPlace)" == "\(widened)", "\(label)")
                let histogram = try values.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }
                let widenedHistogram = try floats.withUnsafeBufferPointer { try ValueHistogram(values: $0, bins: config) }
                #expect("\(histogram)" == "\(widenedHistogram)", "\(label)")  // NaN extremes when empty
            }
        }
    }

    @Test func statisticsMatchTheSortingReference() throws {
        var g = SeededGenerator(seed: 16)
        let values = (0..<50_000).map { _ in Self.bfloat16(Float(g.normal() * 0.02)) }
        let reference = ReferenceStatistics(values.map(\.floatValue))
        let s = try values.withUnsafeBufferPointer { try HistogramSummary(values: $0) }.statistics
        #expect(s.totalCount == reference.count && s.min == reference.min && s.max == reference.max)
        #expect(s.quantiles == reference.quantiles)
        #expect(isClose(s.mean, reference.mean, relative: 1e-12) && isClose(s.standardDeviation, reference.std, relative: 1e-12))
        #expect(isClose(s.skewness, reference.skewness, relative: 1e-9) && isClose(s.kurtosis, reference.kurtosis, relative: 1e-9))
        #expect(s.outlierCount == reference.outliers && s.zeroCount == reference.zeros)
    }
}
