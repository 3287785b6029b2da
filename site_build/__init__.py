"""How the site is built: its Sphinx extensions (conf.py loads them), the noxfile's and the
tools' shared facts, and the helpers the tests and tools serve and browse the site with.

=====================  ==========================================================================
``execution``          how pages execute: the kernel, the keyed cache, which modules pages import
``citations``          ``{keras-source}`` links to the lines of the Keras release that built a page
``provenance``         a sentence about a GPU, another backend or release says how it is proven
``history``            ``{since}`` and the tables of what changed in which Keras release
``downloads``          each page's .ipynb and .py, and the modules it imports
``reader_code``        a page's code as a reader runs it (downloads and tests read it)
``parsing``            a page's Markdown as MyST parses it: tokens, not regexes
``highlighting``       code with one element per coloured run, not per token
``small_screens``      tables as cards, unbroken shapes, figures that scroll sideways
``published``          shapes.json, robots.txt, sitemap, descriptions, deferred scripts
``search``             the Pagefind index the search page reads
``differences``        what each page prints on JAX and PyTorch, against TensorFlow
``project``            folders, requirements, the Sphinx command (standard library only: the
                       noxfile reads it before anything is installed)
``serving``            a local server for the built site (tests, Lighthouse)
``chromium``           the system Chromium and its flags (tests, Lighthouse)
``kernel/``            the kernel pages execute in (conf.py puts it on JUPYTER_PATH)
=====================  ==========================================================================

Nothing here is imported on import of the package: the noxfile imports ``site_build.project``
with nothing installed.
"""
