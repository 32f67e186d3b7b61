"""How a library names files: paths as keys, local or shared."""
