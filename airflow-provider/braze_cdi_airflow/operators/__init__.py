"""See the module of the same name beside this file."""
