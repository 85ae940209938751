"""Figure builders, one module per page; arrays in, ``plotly.graph_objects.Figure`` out.

No Streamlit in this package, and nothing is re-exported here: import each builder from the
module that holds it.

- ``spec``: the lazily built figure (``SpecFigure``), its JSON encoding, presenter scaling.
- ``common``: styles and path helpers shared by several pages.
- ``explorer``: the explorer's plane, distance and eigenvalue figures (also the lessons').
- ``compare``, ``stability``, ``gmm``: the compare, stability-map and mode-collapse pages.
"""
