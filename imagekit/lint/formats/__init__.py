"""Output formats for lint findings, one module per format.

This package module only names the formats: the CLI reads ``FORMATS`` for its
``--format`` choices without loading any of them. ``imagekit.lint.output.render``
imports the one that is asked for.
"""

FORMATS = ("tty", "json", "github", "checkstyle", "gitlab", "junit", "sarif")
