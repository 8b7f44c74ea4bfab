import CHistLog

/// `hl_last_error`: this thread's last failure message (`LastError`). Never NULL.
@_cdecl("hl_last_error")
public func hl_last_error() -> UnsafePointer<CChar> {
    LastError.message
}

/// `hl_last_errno`: the errno of this thread's last failure (`LastError`), 0 when it had none.
@_cdecl("hl_last_errno")
public func hl_last_errno() -> Int32 {
    LastError.errno
}

/// `hl_error_name`: the macro name of a status code, or "HL_E_UNKNOWN". Static storage.
@_cdecl("hl_error_name")
public func hl_error_name(_ code: Int32) -> UnsafePointer<CChar> {
    switch code {
    case HL_OK: cString("HL_OK")
    case HL_EINVAL: cString("HL_EINVAL")
    case HL_ENULL: cString("HL_ENULL")
    case HL_EIO: cString("HL_EIO")
    case HL_ENOMEM: cString("HL_ENOMEM")
    case HL_ECLOSED: cString("HL_ECLOSED")
    case HL_ENOTFOUND: cString("HL_ENOTFOUND")
    case HL_ESIZE: cString("HL_ESIZE")
    case HL_EFORMAT: cString("HL_EFORMAT")
    case HL_EINTERNAL: cString("HL_EINTERNAL")
    default: cString("HL_E_UNKNOWN")
    }
}
