#if Postgres
/// Listening or notifying cannot go on: the stream ended, the connection stopped answering, or
/// the channel cannot be named.
struct ListenerLost: Error, CustomStringConvertible {
    let description: String
}
#endif
