"""The package's shape: no import circle, and no module too long to read without a reason.

Every ``import`` statement of every module of ``wordrep`` counts, at module level or inside a
function: a lazy import delays a circle, it does not remove it (the modules still depend on each
other, and the import order decides whether a name exists yet). Relative imports are resolved to
module names; ``from package import name`` is an edge to the submodule ``package.name`` when
there is one, else to the package.
"""
import ast
import re
from pathlib import Path

import wordrep

PACKAGE_DIR = Path(wordrep.__file__).parent
MAX_LINES = 500
# What a long module's docstring must say for it to stay long.
REASON = re.compile(r"Over 500 lines because \S")


def package_modules():
    """Module name -> file, for every ``.py`` file of the package."""
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(name, path, modules):
    """The modules of the package that ``name`` (at ``path``) imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(_known_prefix(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in modules else _known_prefix(base, modules))
    found.discard(None)
    found.discard(name)
    return found


def _known_prefix(dotted, modules):
    """The longest prefix of ``dotted`` that is a module of the package (None outside it)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return None


def import_graph():
    modules = package_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def cycles(graph):
    """Every strongly connected component of more than one module, each as a sorted list
    (Tarjan's algorithm, iterative so that deep graphs do not hit the recursion limit)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def _cycle_path(component, graph):
    """One circle through a component, as ``a -> b -> ... -> a``, to say where to cut."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    while True:
        following = sorted(m for m in graph[path[-1]] if m in members)
        back = start if start in following else None
        nxt = back or next((m for m in following if m not in seen), following[0])
        path.append(nxt)
        if nxt in seen:
            return " -> ".join(path[path.index(nxt):])
        seen.add(nxt)


def test_no_import_circle():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import circles:\n" + "\n".join(_cycle_path(c, graph) for c in found)


def test_the_graph_sees_relative_and_lazy_imports():
    # The check is only as good as the graph: these edges exist today, written in each way the
    # package writes imports (relative from a module, from a package, lazily in a function).
    graph = import_graph()
    assert "wordrep.errors" in graph["wordrep.storage"]                  # from .errors import
    assert "wordrep.representations.base" in graph["wordrep.storage"]    # from .representations.base
    assert "wordrep.atomic" in graph["wordrep.run.folder"]               # from ..atomic import
    assert "wordrep.storage" in graph["wordrep.run.pipeline"]            # from .. import storage
    assert "wordrep.evaluation" in graph["wordrep.run.pipeline"]         # inside a function


def test_the_cycle_finder_finds_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert _cycle_path(["a", "b", "c"], graph) == "a -> b -> c -> a"


def test_no_module_over_500_lines_without_a_reason():
    long = []
    for name, path in package_modules().items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if lines > MAX_LINES and not REASON.search(doc):
            long.append(f"{name}: {lines} lines")
    assert not long, ("modules over 500 lines whose docstring does not say why ('Over 500 "
                      "lines because ...'):\n" + "\n".join(long))
