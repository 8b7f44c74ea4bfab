import Testing
@testable import HistLog

@Test func binConfigDefaults() {
    let config = BinConfig()
    #expect(config.bins == 30)
    #expect(config.scale == .linear)
}
