"""Discord presentation: embeds, buttons and menus built from the core's answers."""
