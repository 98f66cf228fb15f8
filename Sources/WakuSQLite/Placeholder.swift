// Filled in by the SQLite store.
