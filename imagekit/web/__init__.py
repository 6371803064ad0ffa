"""The registry browser (``imagekit registry ui``): server-rendered pages over the
registry, the storage accounting, the size ledger and the image analysis.

A wing above ``registry``, ``report`` and ``analyze``: it imports those (and ``catalog``,
``oci``, ``errors``), never ``cli``, ``services`` or ``config``; the CLI hands it a
registry client, a ledger and a cache directory. Starlette, Jinja2 and uvicorn (the
``ui`` extra) are imported only by the functions that build and serve the application.

- :mod:`imagekit.web.browser`: the server's state (:class:`UiSettings`, :func:`make_browser`)
- :mod:`imagekit.web.app`: routes, middleware, error pages (:func:`create_app`)
- :mod:`imagekit.web.pages`, :mod:`imagekit.web.imagepage`, :mod:`imagekit.web.forms`:
  the pages
- :mod:`imagekit.web.accounting`, :mod:`imagekit.web.documents`,
  :mod:`imagekit.web.analysis`, :mod:`imagekit.web.growth`: what the pages read
- :mod:`imagekit.web.security`, :mod:`imagekit.web.auth`: headers, CSRF, basic auth
- :mod:`imagekit.web.server`: uvicorn
"""
