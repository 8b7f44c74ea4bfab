import CHistLog

// As ABISignatures.swift, for the exports of Exports+Integration.swift.
private func checkIntegrationSignatures() {
    var logTensorBoardHistogram = CHistLog.hl_log_tensorboard_histogram
    logTensorBoardHistogram = HistLogCABI.hl_log_tensorboard_histogram
    var logTensorBoardEvent = CHistLog.hl_log_tensorboard_event; logTensorBoardEvent = HistLogCABI.hl_log_tensorboard_event
    var setRecordCallback = CHistLog.hl_run_set_record_callback; setRecordCallback = HistLogCABI.hl_run_set_record_callback
    _ = (logTensorBoardHistogram, logTensorBoardEvent, setRecordCallback)
}
