import WakuMessaging

/// The claim token of store-level tests that claim and finalize by hand.
let testToken = ClaimToken()
