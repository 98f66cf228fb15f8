import Waku

/// The core's mutex, under the name this module uses.
typealias MessagingLock<Value> = Locked<Value>
