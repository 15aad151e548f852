"""Screens of the workbench: one module each."""
