"""hostile: split along its sections."""
