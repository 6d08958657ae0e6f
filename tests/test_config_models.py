import json
from pathlib import Path

import pytest

from briefing.config import load_settings
from briefing.errors import ConfigError, ModelNotFound
from briefing.models.registry import infer_kind, registry, require_present, resolve


def test_every_variable_the_package_reads_is_reset_for_each_test():
    """conftest's _isolated clears config.ENVIRONMENT: it must name every BRIEFING_* variable the package reads
    (a developer's BRIEFING_PRECISION once leaked into the golden tests), and none may be set here but the two
    folders the fixture points at this test's own."""
    import os
    import re

    from briefing.config import ENVIRONMENT

    package = Path(__file__).parent.parent / "briefing"
    named = {m for p in package.rglob("*.py") for m in re.findall(r"[\"'](BRIEFING_[A-Z_]+)[\"']", p.read_text())}
    assert named <= set(ENVIRONMENT), f"read by the package, not in config.ENVIRONMENT: {sorted(named - set(ENVIRONMENT))}"
    assert {v for v in ENVIRONMENT if v in os.environ} == {"BRIEFING_CACHE_DIR", "BRIEFING_STATE_DIR"}
    origins = load_settings().origins
    assert {k: o for k, o in origins.items() if o != "default"} == {"cache_dir": "$BRIEFING_CACHE_DIR",
                                                                    "state_dir": "$BRIEFING_STATE_DIR"}


def test_layers_file_then_env_then_flags(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('sentences = 2\nmodel = "lead"\nout = "x"\n')
    monkeypatch.setenv("BRIEFING_SENTENCES", "4")
    s = load_settings(cfg, out=Path("y"))
    assert (s.model, s.sentences, s.out) == ("lead", 4, Path("y"))
    assert s.origins["model"] == str(cfg) and s.origins["sentences"] == "$BRIEFING_SENTENCES"


def test_unknown_key_names_key_file_and_choices(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("sentnces = 2\n")
    with pytest.raises(ConfigError, match=r"Unknown key 'sentnces' in .*c.toml; allowed keys: .*sentences"):
        load_settings(cfg)


def test_bad_value(tmp_path):
    with pytest.raises(ConfigError, match="out of range"):
        load_settings(sentences=0)
    with pytest.raises(ConfigError, match="not a valid int"):
        load_settings(sentences="three")


def test_registry_has_default_and_hub_models():
    names = registry()
    assert names["minilm"]["kind"] == "extractive"
    assert names["bart-cnn"]["hf"] == "facebook/bart-large-cnn"


def test_default_model_is_present_from_its_package():
    spec = resolve("minilm")
    assert spec.present and (spec.path / "config.json").exists()


def test_missing_hub_model_names_the_fix(tmp_path):
    spec = resolve("bart-cnn", tmp_path / "store")
    with pytest.raises(ModelNotFound, match="Run 'briefing models pull bart-cnn' or use --model minilm"):
        require_present(spec)


def test_unknown_name():
    with pytest.raises(ModelNotFound, match="not a registered name"):
        resolve("no-such-model")


def test_kind_from_config(tmp_path):
    config = {"architectures": ["BartForConditionalGeneration"], "is_encoder_decoder": True}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert infer_kind(tmp_path) == "seq2seq"
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    assert infer_kind(tmp_path) == "causal"
