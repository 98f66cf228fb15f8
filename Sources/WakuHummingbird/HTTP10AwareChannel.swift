#if Hummingbird
public import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 child channel with ``HTTP10ConnectionHandler`` inserted right after NIO's
/// request decoder, where the request's HTTP version is still known.
struct HTTP10AwareChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(HTTP10ConnectionHandler(), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

/// A Hummingbird HTTP/1 server that honours HTTP/1.0's connection semantics.
extension HTTPServerBuilder {
    /// HTTP/1 as `.http1(configuration:)` serves it, and with each request's HTTP/1.0 connection
    /// semantics: the connection of an HTTP/1.0 request without `Connection: keep-alive` closes
    /// after its response, which says `Connection: close`.
    ///
    /// Hummingbird 2's `.http1()` answers every request as HTTP/1.1 and keeps the connection open
    /// unless the request says `Connection: close`, so an HTTP/1.0 client that waits for the
    /// server to close (`ab` without `-k`, `curl --http1.0`, load balancers' health checks)
    /// waits until the idle timeout:
    ///
    /// ```swift
    /// let app = Application(router: router, server: .http1WithHTTP10KeepAlive(), configuration: configuration)
    /// ```
    ///
    /// - Parameter configuration: Hummingbird's HTTP/1 configuration, as for `.http1(configuration:)`.
    public static func http1WithHTTP10KeepAlive(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            HTTP10AwareChannel(http1: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
#endif
