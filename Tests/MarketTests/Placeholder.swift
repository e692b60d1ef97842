// Tests for Market live here.
