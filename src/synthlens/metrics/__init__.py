"""The five characteristics: pure functions of their inputs (characteristics.py), the text
encoder and classifier they rely on, and the procedures that bind them to this run's params."""
