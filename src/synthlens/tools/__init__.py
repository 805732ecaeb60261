"""Commands that are not DVC stages but prepare a run: the dry run (plan) and the download of
a profile's hub models and datasets."""
