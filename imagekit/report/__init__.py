"""Reports on images: renderers (table, JSON, Markdown) for inspect, diff and size reports,
the CI gates, the size ledger and pull-request comments.

Nothing is imported here: each command loads only the modules it uses (a push needs the
size report, not the analyser behind inspect and diff).
"""
