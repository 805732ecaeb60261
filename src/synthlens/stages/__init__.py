"""The pipeline's stages, one module per DVC stage (dvc.yaml names it first in the stage's deps):
read the inputs, call the library rooms, write the outputs. Nothing outside stages/ and cli.py
imports from here, and no stage imports another."""
