"""Dockerfile linting: rules over the Dockerfile model, findings, output formats."""
