// The SQLite store and analysis live here.
