// Tests for LMDB live here.
