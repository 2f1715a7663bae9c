"""bench: split along its sections."""
