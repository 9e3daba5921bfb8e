"""The project's own tooling: spec lint, generation drift check, contract review, benchmarks."""
