"""Reference domains: the builtin generator of the mini profile, checks of a user's local
files, a few streamed splits of a large hub dataset, and a domain's train/test rows from any
source."""
