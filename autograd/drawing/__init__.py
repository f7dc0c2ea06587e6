"""The drawing: a computation graph as DOT text (`dot_text`), as a picture and a file (`graph`:
`draw`, `Graph`), as a player of its backward pass (`player`: `draw_backward`), rendered by the
system Graphviz or Graphviz compiled to WebAssembly (`render`, `wasm_browser`)."""

from .dot_text import Cluster
from .graph import Graph, draw
from .player import BackwardFrames, draw_backward

__all__ = ["BackwardFrames", "Cluster", "Graph", "draw", "draw_backward"]
