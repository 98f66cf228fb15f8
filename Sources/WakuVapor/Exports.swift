#if Vapor
// `HTTPRequestID` is shared with WakuHummingbird; apps that import WakuVapor use it without naming WakuHTTP.
@_exported public import WakuHTTP
#endif
