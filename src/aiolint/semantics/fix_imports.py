"""Building fixes: how code at the current node can name a module or a qualified name.

Mixed into `SemanticModel` (it relies on `resolve`, `lookup` and `module_scope`).
"""
from __future__ import annotations

from typing import Optional, Tuple

from aiolint.semantics.scopes import IMPORT


class FixImports:
    """Mixed into SemanticModel."""

    # ----------------------------------------------------------------- building fixes
    def module_reference(self, module: str) -> Optional[Tuple[str, bool]]:
        """How code at the current node can name `module`: (name, whether `import module` must be added).

        None when that is impossible without renaming (the name is taken by something else).
        """
        if self.resolve(module) == module:
            # A name imported only under `if TYPE_CHECKING:` does not exist at run time: add an import.
            return module, not self._at_run_time(module)
        for name, bindings in self.module_scope.bindings.items():
            if (
                name != module
                and all(b.kind == IMPORT and b.qualified == module and not b.typing_only for b in bindings)
                and self.resolve(name) == module
            ):
                return name, False
        if self.lookup(module) is None and module not in self.module_scope.bindings:
            return module, True
        return None

    # ----------------------------------------------------------------- building fixes: names in modules
    def _at_run_time(self, name: str) -> bool:
        """Is `name` (which resolves to an import) bound by an import that runs?"""
        found = self.lookup(name.partition(".")[0])  # type: ignore[attr-defined]
        return found is None or any(b.kind == IMPORT and not b.typing_only for b in found[1])

    def name_reference(self, qualified: str) -> Optional[Tuple[str, Tuple[str, ...]]]:
        """How code at the current node can name `qualified` (e.g. "functools.partial"): (text, imports to add).

        Reuses a name already imported as exactly that (`from functools import partial [as p]`),
        else goes through the module (`functools.partial`, adding `import functools` if missing).
        None when neither is possible without renaming.
        """
        module, _, attr = qualified.rpartition(".")
        if not module:
            return None
        if self.resolve(attr) == qualified and self._at_run_time(attr):
            return attr, ()
        for name, bindings in self.module_scope.bindings.items():
            if (
                bindings
                and all(b.kind == IMPORT and b.qualified == qualified and not b.typing_only for b in bindings)
                and self.resolve(name) == qualified
            ):
                return name, ()
        reference = self.module_reference(module)
        if reference is None:
            return None
        name, needs_import = reference
        return f"{name}.{attr}", (module,) if needs_import else ()
