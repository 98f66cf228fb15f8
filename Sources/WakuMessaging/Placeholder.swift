// Placeholder until the messaging layer lands.
enum _WakuMessagingPlaceholder {}
