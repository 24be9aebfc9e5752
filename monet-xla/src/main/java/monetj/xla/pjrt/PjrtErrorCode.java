package monetj.xla.pjrt;

/** {@code PJRT_Error_Code}: the absl status codes, in their numeric order. */
public enum PjrtErrorCode {
    OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED,
    RESOURCE_EXHAUSTED, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS,
    UNAUTHENTICATED;

    static PjrtErrorCode of(int code) { return code >= 0 && code < values().length ? values()[code] : UNKNOWN; }
}
