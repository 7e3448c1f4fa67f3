"""Attest reaches its dependencies through their public APIs only: no import, attribute access or patch of a `_private`
name of a third-party package anywhere in the product (audit/, reports/, gui/, cli/).

Private names change between releases without notice (shap's compiled module and its argument order did), and an
audit's provenance should name a public API. Dunder names (`__version__`, `__file__`) are public. The standard library
is not checked: its underscore names that matter here (`os._exit`) are documented.

Four checks over the syntax tree of every module:
- imports: `import a._b`, `from a._b import c`, `from a import _b`, `importlib.import_module("a._b")`;
- attribute chains on a name bound to a third-party import: `shap.explainers._tree`, `module._cext = recorder`;
- private attributes of objects the project does not define: `est._predictors`, `getattr(est, "_baseline_prediction")`
  (a `_name` the project itself defines or assigns somewhere is its own);
- overrides of a dependency's private hooks: a `def _name` (or a class-level `_name = ...`) in a class whose base is a
  third-party class that has `_name` (reportlab's `Table._drawCell` was overridden so). The base is imported to ask it;
  a `_name` the base does not have is the subclass's own helper (a Qt widget's `_on_png`).
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("audit", "reports", "gui", "cli")
_OWN = set(PRODUCT) | {"tests"}
_ATTR_CALLS = {"getattr", "hasattr", "setattr", "delattr"}
# Known uses of a dependency's private names: none are left (issue 14). Anything found fails.
KNOWN: set[tuple[str, str]] = set()
_IMPORT_CALLS = {"import_module", "__import__"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return top not in _OWN and top not in sys.stdlib_module_names


def _sources() -> list[tuple[Path, ast.AST]]:
    return [
        (p, ast.parse(p.read_text(encoding="utf-8"), filename=str(p))) for d in PRODUCT for p in sorted((ROOT / d).rglob("*.py"))
    ]


def _own_names(trees: list[tuple[Path, ast.AST]]) -> set[str]:
    """Every name the project defines, assigns or takes as a parameter: private attributes of its own objects."""
    names: set[str] = set()
    for _, tree in trees:
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(n.name)
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                names.add(n.id)
            elif isinstance(n, ast.Attribute) and isinstance(n.ctx, (ast.Store, ast.Del)) and _rooted_in_self(n):
                names.add(n.attr)
            elif isinstance(n, ast.arg):
                names.add(n.arg)
            elif (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name)
                and n.func.id == "setattr"
                and len(n.args) >= 2
                and _rooted_in_self_node(n.args[0])
                and isinstance(n.args[1], ast.Constant)
            ):
                names.add(str(n.args[1].value))
    return names


def _rooted_in_self_node(node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _rooted_in_self(attr: ast.Attribute) -> bool:
    return _rooted_in_self_node(attr.value)


def _chain(node: ast.Attribute) -> tuple[str | None, list[str]]:
    parts = []
    x: ast.AST = node
    while isinstance(x, ast.Attribute):
        parts.append(x.attr)
        x = x.value
    return (x.id if isinstance(x, ast.Name) else None), parts[::-1]


def violations_in(path: Path, tree: ast.AST, own: set[str], root: Path = ROOT) -> list[str]:
    def where(n: ast.stmt | ast.expr) -> str:
        return f"{path.relative_to(root)}:{n.lineno}"

    found: list[str] = []
    modules: dict[str, str] = {}  # local name -> third-party module (or module.attribute) it is bound to
    stdlib: set[str] = set()  # local names bound to the standard library: not checked
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                if not _third_party(a.name):
                    stdlib.add(a.asname or a.name.split(".")[0])
                    continue
                if any(_private(c) for c in a.name.split(".")):
                    found.append(f"{where(n)} import {a.name}")
                modules[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(n, ast.ImportFrom) and not n.level and n.module and not _third_party(n.module):
            stdlib.update(a.asname or a.name for a in n.names)
        elif isinstance(n, ast.ImportFrom) and not n.level and n.module and _third_party(n.module):
            if any(_private(c) for c in n.module.split(".")):
                found.append(f"{where(n)} from {n.module} import ...")
            for a in n.names:
                if _private(a.name):
                    found.append(f"{where(n)} from {n.module} import {a.name}")
                modules[a.asname or a.name] = f"{n.module}.{a.name}"
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and _private(n.attr):
            base, parts = _chain(n)
            if base in modules:
                found.append(f"{where(n)} {modules[base]}.{'.'.join(parts)}")
            elif n.attr not in own and base not in ("self", "cls") and base not in stdlib:
                found.append(f"{where(n)} {base or '<expr>'}.{'.'.join(parts)} (not an attribute Attest defines)")
        elif isinstance(n, ast.Call) and n.args:
            name = n.func.id if isinstance(n.func, ast.Name) else n.func.attr if isinstance(n.func, ast.Attribute) else ""
            if (
                name in _ATTR_CALLS
                and len(n.args) >= 2
                and isinstance(n.args[1], ast.Constant)
                and isinstance(n.args[1].value, str)
                and _private(n.args[1].value)
            ):
                target = n.args[0]
                bound = isinstance(target, ast.Name) and target.id in modules
                exempt = isinstance(target, ast.Name) and target.id in stdlib
                if bound or (n.args[1].value not in own and not _rooted_in_self_node(target) and not exempt):
                    found.append(f"{where(n)} {name}(..., {n.args[1].value!r})")
            elif name in _IMPORT_CALLS and isinstance(n.args[0], ast.Constant) and isinstance(n.args[0].value, str):
                mod = n.args[0].value
                if _third_party(mod) and any(_private(c) for c in mod.split(".")):
                    found.append(f"{where(n)} {name}({mod!r})")
    return found


def _resolve(dotted: str) -> Any:
    """The object `dotted` names (a module, then attributes), or None when it cannot be imported."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _third_party_imports(tree: ast.AST) -> dict[str, str]:
    """Local name -> the dotted third-party name it is bound to (`Table` -> `reportlab.platypus.Table`)."""
    bound: dict[str, str] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                if _third_party(a.name):
                    bound[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(n, ast.ImportFrom) and not n.level and n.module and _third_party(n.module):
            for a in n.names:
                bound[a.asname or a.name] = f"{n.module}.{a.name}"
    return bound


def private_overrides(path: Path, tree: ast.AST, root: Path = ROOT) -> list[str]:
    """`def _name` / `_name = ...` in a class whose direct base is a third-party class that has `_name`."""
    bound = _third_party_imports(tree)
    found = []
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        bases = []
        for b in cls.bases:
            root_name, parts = _chain(b) if isinstance(b, ast.Attribute) else (b.id if isinstance(b, ast.Name) else None, [])
            if root_name in bound:
                base = _resolve(".".join([bound[root_name], *parts]))
                if isinstance(base, type):
                    bases.append(base)
        if not bases:
            continue
        for stmt in cls.body:
            names: list[str] = []
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [stmt.name]
            elif isinstance(stmt, ast.Assign):
                names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                names = [stmt.target.id]
            for name in names:
                owner = next((b for b in bases if _private(name) and hasattr(b, name)), None)
                if owner is not None:
                    found.append(
                        f"{path.relative_to(root)}:{stmt.lineno} class {cls.name} overrides "
                        f"{owner.__module__}.{owner.__qualname__}.{name}"
                    )
    return found


def test_no_private_hook_of_a_dependency_is_overridden() -> None:
    found = [v for path, tree in _sources() for v in private_overrides(path, tree)]
    assert not found, "private methods of dependency classes overridden (use their public API):\n" + "\n".join(found)


def test_the_override_check_finds_an_override_and_spares_own_helpers(tmp_path: Path) -> None:
    """The reportlab hook FastTable once overrode is caught, and so is a private class attribute set over the base's; a
    private helper the base does not have, a public override and a class of the project's own are not."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import reportlab.platypus as rp\n"
        "from reportlab.platypus import Flowable, Table\n"
        "class Fixed(Flowable):\n"
        "    _fixedWidth = 1\n"
        "class Fast(Table):\n"
        "    def _drawCell(self, *a): pass\n"
        "    def _my_helper(self): pass\n"
        "    def draw(self): pass\n"
        "class Fast2(rp.Table):\n"
        "    def _drawCell(self, *a): pass\n"
        "class Own:\n"
        "    def _drawCell(self): pass\n",
        encoding="utf-8",
    )
    found = private_overrides(bad, ast.parse(bad.read_text(encoding="utf-8")), root=tmp_path)
    text = "\n".join(found)
    assert "bad.py:4 class Fixed overrides reportlab.platypus.flowables.Flowable._fixedWidth" in text, text
    assert "bad.py:6 class Fast overrides reportlab.platypus.tables.Table._drawCell" in text, text
    assert "bad.py:10 class Fast2 overrides" in text, text
    assert len(found) == 3, text  # not _my_helper, draw, nor Own._drawCell


def test_no_private_name_of_a_dependency_is_used() -> None:
    trees = _sources()
    own = _own_names(trees)
    found = [
        v for path, tree in trees for v in violations_in(path, tree, own) if (v.split(":")[0], v.split(" ", 1)[1]) not in KNOWN
    ]
    assert not found, "private names of dependencies (use their public API):\n" + "\n".join(found)


def test_the_check_finds_what_it_is_meant_to_find(tmp_path: Path) -> None:
    """The patterns the explainer once used are all caught; public and own names are not."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import shap\n"
        "import shap.explainers._tree as shap_tree\n"
        "from shap.explainers import _tree\n"
        "from sklearn.ensemble._hist_gradient_boosting import predictor\n"
        "import importlib\n"
        "m = importlib.import_module('shap.explainers._tree')\n"
        "shap.explainers._tree._cext = None\n"
        "def f(est):\n"
        "    a = est._predictors\n"
        "    b = getattr(est, '_baseline_prediction', None)\n"
        "    return shap.__version__, est.n_features_in_, a, b\n"
        "class Own:\n"
        "    def __init__(self):\n"
        "        self._mine = 1\n"
        "    def g(self, other):\n"
        "        return other._mine, self._mine\n",
        encoding="utf-8",
    )
    tree = ast.parse(bad.read_text(encoding="utf-8"))
    text = "\n".join(violations_in(bad, tree, _own_names([(bad, tree)]), root=tmp_path))
    for needle in (
        "import shap.explainers._tree",
        "from shap.explainers import _tree",
        "from sklearn.ensemble._hist_gradient_boosting",
        "import_module('shap.explainers._tree')",
        "shap.explainers._tree._cext",
        "est._predictors",
        "'_baseline_prediction'",
    ):
        assert needle in text, f"not caught: {needle}\n{text}"
    assert "__version__" not in text and "n_features_in_" not in text and "_mine" not in text
