"""What other tools read from Readyboard: JSON API, exports, badges, metrics, health."""
