"""Reference computations the parity suites compare against; every function takes a torch dtype."""
