// Tests for ZMQ live here.
