"""The front ends that adapt the engine: CLI, flake8 plugin, output formats, runner, cache, config."""
