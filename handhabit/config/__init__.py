"""The config file, checked whole (config.md): `model` holds the frozen dataclasses the rest reads,
`checker` the generic TOML table checker, `parsers` the single values, `sections` the sections and
`parse`, `usable` what is left of a file with mistakes that spare the record, `loading` the file and the
built-in default (`default`). Only `loading` touches the file system."""
