// Tests for Models live here.
