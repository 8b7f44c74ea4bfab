import CHistLog

// As ABISignatures.swift, for the engine's rules over values summarised elsewhere (Exports+Shards.swift).
private func checkReductionRuleSignatures() {
    var autoScaleThreshold = CHistLog.hl_auto_scale_threshold; autoScaleThreshold = HistLogCABI.hl_auto_scale_threshold
    var autoScale = CHistLog.hl_auto_scale; autoScale = HistLogCABI.hl_auto_scale
    var momentsFromSums = CHistLog.hl_moments_from_sums; momentsFromSums = HistLogCABI.hl_moments_from_sums
    _ = (autoScaleThreshold, autoScale, momentsFromSums)
}
