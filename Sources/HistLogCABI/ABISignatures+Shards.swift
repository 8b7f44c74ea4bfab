import CHistLog

// As ABISignatures.swift, for the engine's rules over values summarised elsewhere (Exports+Shards.swift).
private func checkReductionRuleSignatures() {
    var autoScaleThreshold = CHistLog.hl_auto_scale_threshold; autoScaleThreshold = HistLogCABI.hl_auto_scale_threshold
    var autoScale = CHistLog.hl_auto_scale; autoScale = HistLogCABI.hl_auto_scale
    var momentsFromSums = CHistLog.hl_moments_from_sums; momentsFromSums = HistLogCABI.hl_moments_from_sums
    var subBinLayout = CHistLog.hl_sub_bin_layout; subBinLayout = HistLogCABI.hl_sub_bin_layout
    var quantileSubBins = CHistLog.hl_quantile_sub_bins; quantileSubBins = HistLogCABI.hl_quantile_sub_bins
    var fineHistogram = CHistLog.hl_fine_histogram; fineHistogram = HistLogCABI.hl_fine_histogram
    _ = (autoScaleThreshold, autoScale, momentsFromSums, subBinLayout, quantileSubBins, fineHistogram)
}
