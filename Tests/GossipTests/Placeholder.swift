// Tests for Gossip live here.
