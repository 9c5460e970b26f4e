"""The formats records take outside the database: export files and sync journal lines."""
