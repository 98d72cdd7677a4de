"""A municipal centre's own cameras: its operators add, rename, move, switch plate reading and retire them."""
