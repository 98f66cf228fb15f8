#if Hummingbird
import Hummingbird
import WakuHTTP

extension ResponseBody {
    /// The same body, closing `lease` once the body has been written (or writing it failed).
    ///
    /// The closure captures the lease, so releasing an unwritten response also releases the lease,
    /// whose deinit then closes the scope.
    func closing(_ lease: RequestScopeLease) -> ResponseBody {
        let body = self
        return ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
            } catch {
                await lease.close()
                throw error
            }
            await lease.close()
        }
    }
}
#endif
