// Filled in by the PostgreSQL store.
