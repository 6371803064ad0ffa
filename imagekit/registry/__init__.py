"""Container registries: image references, the distribution API client and the
``docker://`` image source.

``reference`` parses ``HOST[:PORT]/REPO[:TAG][@DIGEST]``; ``transport`` sends HTTP
requests with timeouts, retries and redirects; ``auth`` answers Basic and Bearer
challenges; ``client`` speaks the distribution API; ``source`` reads an image from it.
"""
