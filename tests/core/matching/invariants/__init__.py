"""matcher_speed_invariants: split along its sections."""
