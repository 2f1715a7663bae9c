"""asking: split along its sections."""
