// Tests for ZKML live here.
