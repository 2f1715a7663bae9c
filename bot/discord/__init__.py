"""The Discord front: the client, its extensions, views, embeds and delivery."""
