"""faults: split along its sections."""
