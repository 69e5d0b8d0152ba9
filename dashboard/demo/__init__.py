"""Demo services for the embedded default: small FastAPI trees turned into local git repos."""
