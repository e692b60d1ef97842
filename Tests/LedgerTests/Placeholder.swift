// Tests for Ledger live here.
