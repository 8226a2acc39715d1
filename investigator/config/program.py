"""A static model of one commit's Python code: modules, imports, config classes, name resolution.

Used to follow an entry point to the functions it calls and the config classes it instantiates,
without importing anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from investigator.config.extractors.python import ClassInfo, FunctionFacts, ModuleInfo
from investigator.pyast import last_name

_MAX_HOPS = 4


@dataclass(frozen=True)
class Ref:
    kind: str  # "function" | "class" | "module"
    module: str  # repository path of the module
    name: str | None = None


class Program:
    def __init__(self, modules: dict[str, ModuleInfo]) -> None:
        self.modules = modules
        self.by_dotted: dict[str, str] = {}
        for path in modules:
            for dotted_name in module_names(path):
                self.by_dotted.setdefault(dotted_name, path)
        self.classes_by_name: dict[str, list[ClassInfo]] = {}
        for module in modules.values():
            for cls in module.classes.values():
                self.classes_by_name.setdefault(cls.name, []).append(cls)
        self.config_classes = self._config_class_names()
        self._parents: dict[str, set[str]] | None = None  # config class -> classes nesting/extending it

    def _config_class_names(self) -> set[str]:
        """Classes with a config marker, plus subclasses of those (by name, to a fixpoint)."""
        names = {c.name for cs in self.classes_by_name.values() for c in cs if c.marker}
        changed = True
        while changed:
            changed = False
            for cls_list in self.classes_by_name.values():
                for cls in cls_list:
                    if cls.name not in names and any(last_name(b) in names for b in cls.bases):
                        names.add(cls.name)
                        changed = True
        return names

    def covering(self, name: str) -> tuple[str, ...]:
        """Config classes whose whole consumption (`asdict(x)`, `x.model_dump()`) reads the fields of
        config class `name`: the class itself, the classes that nest it in a field, the subclasses
        that inherit its fields, and so on transitively (by name)."""
        if self._parents is None:
            parents: dict[str, set[str]] = {}
            for cls_list in self.classes_by_name.values():
                for cls in cls_list:
                    if cls.name not in self.config_classes:
                        continue
                    for fld in cls.fields:
                        if fld.nested in self.config_classes and fld.nested != cls.name:
                            parents.setdefault(fld.nested, set()).add(cls.name)
                    for base in cls.bases:
                        if (base_name := last_name(base)) in self.config_classes and base_name != cls.name:
                            parents.setdefault(base_name, set()).add(cls.name)
            self._parents = parents
        seen = {name}
        order = [name]
        for current in order:  # breadth first; `order` grows while it is walked
            for parent in sorted(self._parents.get(current, ())):
                if parent not in seen:
                    seen.add(parent)
                    order.append(parent)
        return tuple(order)

    def config_class(self, name: str | None, near: str | None = None) -> ClassInfo | None:
        """The config class called `name`, preferring the one in module `near`."""
        if not name or name not in self.config_classes:
            return None
        candidates = self.classes_by_name.get(name, [])
        for cls in candidates:
            if cls.path == near:
                return cls
        return candidates[0] if candidates else None

    def all_fields(self, cls: ClassInfo, depth: int = 0) -> list:
        """Fields including inherited ones (bases first, overridden by subclasses)."""
        fields: dict[str, object] = {}
        if depth < 6:
            for base in cls.bases:
                parent = self.config_class(last_name(base), cls.path)
                if parent is not None and parent is not cls:
                    for fld in self.all_fields(parent, depth + 1):
                        fields[fld.name] = fld
        for fld in cls.fields:
            fields[fld.name] = fld
        return list(fields.values())

    def field_owners(self, cls: ClassInfo, depth: int = 0) -> dict[int, ClassInfo]:
        """id(field) -> the class that defines it, for `all_fields(cls)`: an inherited field is written in its base
        class's file. Real shape: marl-jax d9302bfc..72a0f9d1, `MAConfig.sequence_length` 20 -> 40 in
        marl/agents/config.py, inherited by `IMPALAConfig` and `OPREConfig`, was placed at
        marl/agents/impala/config.py and marl/agents/opre/config.py (which did not change)."""
        owners: dict[int, ClassInfo] = {}
        if depth < 6:
            for base in cls.bases:
                parent = self.config_class(last_name(base), cls.path)
                if parent is not None and parent is not cls:
                    owners.update(self.field_owners(parent, depth + 1))
        for fld in cls.fields:
            owners[id(fld)] = cls
        return owners

    def module_for(self, dotted_name: str) -> str | None:
        return self.by_dotted.get(dotted_name)

    def resolve_dotted(self, target: str, hops: int = 0) -> Ref | None:
        """`pkg.mod.func` -> the function/class/module it names inside this repository."""
        if hops > _MAX_HOPS:
            return None
        if (path := self.by_dotted.get(target)) is not None:
            return Ref("module", path)
        if "." not in target:
            return None
        mod_name, _, attr = target.rpartition(".")
        path = self.by_dotted.get(mod_name)
        if path is None:
            return None
        module = self.modules[path]
        if attr in module.functions:
            return Ref("function", path, attr)
        if attr in module.classes:
            return Ref("class", path, attr)
        if attr in module.imports:  # re-export
            return self.resolve_dotted(module.imports[attr], hops + 1)
        sub = self.by_dotted.get(target)
        return Ref("module", sub) if sub else None

    def resolve_call(self, module: ModuleInfo, callee: str) -> Ref | None:
        """Resolve a callee as written in `module` ("make_env", "recipes.make_env", "cfgs.Trainer")."""
        head, _, rest = callee.partition(".")
        if not rest:
            if head in module.functions:
                return Ref("function", module.path, head)
            if head in module.classes:
                return Ref("class", module.path, head)
        if head in module.imports:
            target = module.imports[head] + (f".{rest}" if rest else "")
            ref = self.resolve_dotted(target) or self._beside(module, target)
            if ref is not None:
                return ref
        elif not rest:
            for base in module.star_imports:  # `from run_mode import *`, then `single_train(...)`
                ref = self.resolve_dotted(f"{base}.{head}") or self._beside(module, f"{base}.{head}") \
                    or self._in_package(module, base, head)
                if ref is not None and ref.kind != "module":
                    return ref
        name = last_name(callee)
        cls = self.config_class(name)
        if cls is not None:
            return Ref("class", cls.path, cls.name)
        return None

    def _beside(self, module: ModuleInfo, target: str) -> Ref | None:
        """`target` as imported by a script run from its own directory (Python puts that directory on the
        path: JORLDY's `jorldy/main.py` does `from run_mode import *`, `jorldy/run_mode.py`)."""
        directory = module.path.rsplit("/", 1)[0] if "/" in module.path else ""
        return self.resolve_dotted(f"{directory.replace('/', '.')}.{target}") if directory else None

    def _in_package(self, module: ModuleInfo, base: str, name: str) -> Ref | None:
        """The one definition of `name` among the modules of the star-imported package `base`: a package whose
        `__init__` re-exports its modules' classes by a loop the text does not show (JORLDY's `manager/__init__`
        `exec`s `from {module} import {class}` for each module it lists)."""
        package = self.resolve_dotted(base) or self._beside(module, base)
        if package is None or package.kind != "module" or not package.module.endswith("/__init__.py"):
            return None
        prefix = package.module[: -len("__init__.py")]
        found = [Ref("function" if name in m.functions else "class", path, name) for path, m in self.modules.items()
                 if path.startswith(prefix) and (name in m.functions or name in m.classes)]
        return found[0] if len(found) == 1 else None

    def function(self, ref: Ref) -> FunctionFacts | None:
        module = self.modules.get(ref.module)
        return module.functions.get(ref.name or "") if module else None


def module_names(path: str) -> list[str]:
    """Dotted names a file can be imported as (`src/pkg/mod.py` -> `src.pkg.mod`, `pkg.mod`)."""
    if not path.endswith(".py"):
        return []
    mod = path[:-3].replace("/", ".")
    if mod.endswith(".__init__"):
        mod = mod[: -len(".__init__")]
    names = [mod]
    for prefix in ("src.", "lib.", "python."):
        if mod.startswith(prefix):
            names.append(mod[len(prefix):])
    return names
