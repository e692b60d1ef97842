// The Ledger module. See README.md's layer map for what it owns.
