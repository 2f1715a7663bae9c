"""semantic: split along its sections."""
