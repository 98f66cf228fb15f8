#if Hummingbird
import NIOCore
import NIOHTTP1

/// Gives each HTTP/1 request the connection semantics of its HTTP version, which Hummingbird 2
/// loses: it converts requests to version-less `HTTPRequest`s, answers every one as HTTP/1.1, and
/// closes a connection only when the request says `Connection: close` in those exact words.
///
/// An HTTP/1.0 request is not keep-alive unless it says `Connection: keep-alive`, so for one that
/// does not, this handler adds `Connection: close` to the request (Hummingbird then ends the
/// connection once the response is written) and to the response (so the client knows). For an
/// HTTP/1.0 request that asks for keep-alive, the response says `Connection: keep-alive`, as
/// HTTP/1.0 clients such as `ab -k` expect. An HTTP/1.1 request that asks to close, in any
/// spelling, gets the same treatment as an HTTP/1.0 one; other HTTP/1.1 requests pass untouched.
///
/// It sits right after NIO's request decoder, before the version is dropped (see
/// `HTTPServerBuilder.http1WithHTTP10KeepAlive(configuration:)`).
final class HTTP10ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the response to one request says about the connection.
    private enum Answer {
        case unchanged
        case keepAlive
        case close
    }

    /// One answer per request whose response head is not written yet, oldest first: HTTP/1
    /// answers pipelined requests in order.
    private var answers: [Answer] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let answer: Answer
        if !head.isKeepAlive {
            answer = .close
            if head.headers["connection"] != ["close"] { head.headers.replaceOrAdd(name: "connection", value: "close") }
        } else {
            answer = head.version == .http1_0 ? .keepAlive : .unchanged
        }
        answers.append(answer)
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An informational (1xx) head is not the response yet.
        guard case .head(var head) = unwrapOutboundIn(data), head.status.code >= 200, !answers.isEmpty else {
            context.write(data, promise: promise)
            return
        }
        switch answers.removeFirst() {
        case .unchanged:
            context.write(data, promise: promise)
            return
        case .keepAlive:
            head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        case .close:
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}

// Lives on its channel's event loop, like every NIO handler.
@available(*, unavailable)
extension HTTP10ConnectionHandler: Sendable {}
#endif
