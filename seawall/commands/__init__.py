"""One module per command group; `seawall.cli` mounts them."""
