import CHistLog

// Compile-time proof that each export has the type the header declares: a variable holding the
// header's declaration (imported through CHistLog) is assigned the Swift export of the same name,
// which type-checks only when the two agree. Never called.
private func checkSignatures() {
    var version = CHistLog.hl_version; version = HistLogCABI.hl_version
    var versionNumber = CHistLog.hl_version_number; versionNumber = HistLogCABI.hl_version_number
    var lastError = CHistLog.hl_last_error; lastError = HistLogCABI.hl_last_error
    var errorName = CHistLog.hl_error_name; errorName = HistLogCABI.hl_error_name
    var binConfigInit = CHistLog.hl_bin_config_init; binConfigInit = HistLogCABI.hl_bin_config_init
    var computeF32 = CHistLog.hl_compute_f32; computeF32 = HistLogCABI.hl_compute_f32
    var computeF64 = CHistLog.hl_compute_f64; computeF64 = HistLogCABI.hl_compute_f64
    _ = (version, versionNumber, lastError, errorName, binConfigInit, computeF32, computeF64)
}
