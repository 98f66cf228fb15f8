#if Hummingbird
// `HTTPRequestID` is shared with WakuVapor; apps that import WakuHummingbird use it without naming WakuHTTP.
@_exported public import WakuHTTP
#endif
