import Foundation

/// Encodes and decodes one `Codable` message type for durable storage.
struct MessageCodec: Sendable {
    let encode: @Sendable (any IMessage) throws -> Data
    let decode: @Sendable (Data) throws -> any IMessage

    /// The codec of `M`, or `nil` when `M` is not `Codable`.
    static func make<M: IMessage>(for type: M.Type) -> MessageCodec? {
        guard let codable = type as? any (IMessage & Codable).Type else { return nil }
        return open(codable)
    }

    private static func open<C: IMessage & Codable>(_ type: C.Type) -> MessageCodec {
        MessageCodec(
            encode: { message in
                guard let typed = message as? C else { throw MessageEncodingError(expected: MessageTypeName.of(C.self)) }
                return try JSONEncoder().encode(typed)
            },
            decode: { data in try JSONDecoder().decode(C.self, from: data) })
    }
}

struct MessageEncodingError: Error, CustomStringConvertible {
    let expected: String
    var description: String { "Expected a \(expected) to encode." }
}

/// A message type that declares its own stable name for envelopes and durable storage.
///
/// Renaming a Swift type changes its default name (`Module.TypeName`) and orphans stored rows;
/// pin a name to rename freely:
///
/// ```swift
/// struct OrderPlaced: IEvent, Codable, NamedMessage { static let messageName = "orders.order-placed.v1" … }
/// ```
public protocol NamedMessage {
    /// The type's stable name, such as `orders.order-placed.v1`; never change it once rows are
    /// stored.
    static var messageName: String { get }
}

/// A stable name for a message type you cannot change (third-party types): in
/// ``MessagingConfig/messageNames``.
public struct MessageName: Sendable {
    let type: ObjectIdentifier
    let name: String

    /// Names `type` as `name` in envelopes and durable rows.
    public static func name<M: IMessage>(_ type: M.Type, _ name: String) -> MessageName {
        MessageName(type: ObjectIdentifier(type), name: name)
    }
}

extension MessageTypeName {
    /// The stable name of `type`: a ``MessagingConfig/messageNames`` override, else the type's
    /// ``NamedMessage/messageName``, else the fully qualified type name.
    static func resolve(_ type: Any.Type, overrides: [ObjectIdentifier: String]) -> String {
        if let name = overrides[ObjectIdentifier(type)] { return name }
        if let named = type as? any NamedMessage.Type { return named.messageName }
        return of(type)
    }
}
