"""The core: knowledge, matching, editing, storage and the application service.

Nothing here imports discord, a front or the settings (checked by the import contract)."""
