import json
from pathlib import Path

import pytest

from briefing.config import load_settings
from briefing.errors import ConfigError, ModelNotFound
from briefing.models.registry import infer_kind, registry, require_present, resolve


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
