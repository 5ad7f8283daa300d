"""The prompt library: shipped as data, loaded into the database, drawn without repeats."""
