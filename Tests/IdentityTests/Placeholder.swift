// Tests for Identity live here.
