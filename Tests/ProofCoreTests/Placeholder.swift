// Tests for ProofCore live here.
