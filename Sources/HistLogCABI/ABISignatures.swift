import CHistLog

// Compile-time proof that each export has the type the header declares: a variable holding the
// header's declaration (imported through CHistLog) is assigned the Swift export of the same name,
// which type-checks only when the two agree. Never called.
private func checkSignatures() {
    var version = CHistLog.hl_version; version = HistLogCABI.hl_version
    var versionNumber = CHistLog.hl_version_number; versionNumber = HistLogCABI.hl_version_number
    var lastError = CHistLog.hl_last_error; lastError = HistLogCABI.hl_last_error
    var lastErrno = CHistLog.hl_last_errno; lastErrno = HistLogCABI.hl_last_errno
    var errorName = CHistLog.hl_error_name; errorName = HistLogCABI.hl_error_name
    var binConfigInit = CHistLog.hl_bin_config_init; binConfigInit = HistLogCABI.hl_bin_config_init
    var computeF32 = CHistLog.hl_compute_f32; computeF32 = HistLogCABI.hl_compute_f32
    var computeF64 = CHistLog.hl_compute_f64; computeF64 = HistLogCABI.hl_compute_f64
    var computeBF16 = CHistLog.hl_compute_bf16; computeBF16 = HistLogCABI.hl_compute_bf16
    var histogramF32 = CHistLog.hl_histogram_f32; histogramF32 = HistLogCABI.hl_histogram_f32
    var histogramF64 = CHistLog.hl_histogram_f64; histogramF64 = HistLogCABI.hl_histogram_f64
    var histogramBF16 = CHistLog.hl_histogram_bf16; histogramBF16 = HistLogCABI.hl_histogram_bf16
    var runOptionsInit = CHistLog.hl_run_options_init; runOptionsInit = HistLogCABI.hl_run_options_init
    var runOpen = CHistLog.hl_run_open; runOpen = HistLogCABI.hl_run_open
    var runOpenWith = CHistLog.hl_run_open_with; runOpenWith = HistLogCABI.hl_run_open_with
    var logValuesF32 = CHistLog.hl_log_values_f32; logValuesF32 = HistLogCABI.hl_log_values_f32
    var logValuesF64 = CHistLog.hl_log_values_f64; logValuesF64 = HistLogCABI.hl_log_values_f64
    var logValuesBF16 = CHistLog.hl_log_values_bf16; logValuesBF16 = HistLogCABI.hl_log_values_bf16
    var logCounts = CHistLog.hl_log_counts; logCounts = HistLogCABI.hl_log_counts
    var logValuesF32At = CHistLog.hl_log_values_f32_at; logValuesF32At = HistLogCABI.hl_log_values_f32_at
    var logValuesF64At = CHistLog.hl_log_values_f64_at; logValuesF64At = HistLogCABI.hl_log_values_f64_at
    var logValuesBF16At = CHistLog.hl_log_values_bf16_at; logValuesBF16At = HistLogCABI.hl_log_values_bf16_at
    var logCountsAt = CHistLog.hl_log_counts_at; logCountsAt = HistLogCABI.hl_log_counts_at
    var logReduced = CHistLog.hl_log_reduced; logReduced = HistLogCABI.hl_log_reduced
    var logReducedHistogram = CHistLog.hl_log_reduced_histogram
    logReducedHistogram = HistLogCABI.hl_log_reduced_histogram
    var shardCountsF32 = CHistLog.hl_shard_counts_f32; shardCountsF32 = HistLogCABI.hl_shard_counts_f32
    var shardCountsF64 = CHistLog.hl_shard_counts_f64; shardCountsF64 = HistLogCABI.hl_shard_counts_f64
    var shardSumsF32 = CHistLog.hl_shard_sums_f32; shardSumsF32 = HistLogCABI.hl_shard_sums_f32
    var shardSumsF64 = CHistLog.hl_shard_sums_f64; shardSumsF64 = HistLogCABI.hl_shard_sums_f64
    var runFlush = CHistLog.hl_run_flush; runFlush = HistLogCABI.hl_run_flush
    var runClose = CHistLog.hl_run_close; runClose = HistLogCABI.hl_run_close
    var readerOpen = CHistLog.hl_reader_open; readerOpen = HistLogCABI.hl_reader_open
    var readerClose = CHistLog.hl_reader_close; readerClose = HistLogCABI.hl_reader_close
    var readerKeyCount = CHistLog.hl_reader_key_count; readerKeyCount = HistLogCABI.hl_reader_key_count
    var readerKey = CHistLog.hl_reader_key; readerKey = HistLogCABI.hl_reader_key
    var readerRecordCount = CHistLog.hl_reader_record_count; readerRecordCount = HistLogCABI.hl_reader_record_count
    var readerFind = CHistLog.hl_reader_find; readerFind = HistLogCABI.hl_reader_find
    var readerRecord = CHistLog.hl_reader_record; readerRecord = HistLogCABI.hl_reader_record
    var readerHistory = CHistLog.hl_reader_history; readerHistory = HistLogCABI.hl_reader_history
    _ = (version, versionNumber, lastError, lastErrno, errorName, binConfigInit, computeF32, computeF64,
         computeBF16, histogramF32, histogramF64, histogramBF16,
         runOptionsInit, runOpen, runOpenWith, logValuesF32, logValuesF64, logValuesBF16, logCounts,
         logValuesF32At, logValuesF64At, logValuesBF16At, logCountsAt, logReduced, logReducedHistogram,
         shardCountsF32, shardCountsF64, shardSumsF32, shardSumsF64, runFlush, runClose,
         readerOpen, readerClose, readerKeyCount, readerKey, readerRecordCount, readerFind, readerRecord, readerHistory)
}
