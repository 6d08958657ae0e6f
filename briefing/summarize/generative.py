"""Generative backends: seq2seq models (BART, PEGASUS, T5) and causal LMs (instruct or base, GGUF too).

Every article goes through the same three steps:

1. prepare: the article is cut into segments of whole sentences that fit the model's
   input window, counted with the model's own tokenizer (segment.make_segments);
2. map-reduce: when there is more than one segment, each segment is summarized and the
   joined segment summaries are summarized again, until the text fits one window;
3. generate and clean: one batched, length-sorted generate call per round, then the
   output is split into sentences, the first being the headline.

A faithfulness guard (guard.py) checks each result against the article; a result that
names a number or name the article does not is replaced by the extractive summary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..documents import Article, Summary
from ..errors import ModelError
from ..models.encoder import quiet_transformers, set_threads
from ..models.registry import ModelSpec, require_present
from ..text.sentences import make_segments, split_sentences
from .base import ProgressFn, Summarizer
from .guard import unsupported
from .headline import title_headline

if TYPE_CHECKING:
    from ..models.bundle import Models

logger = logging.getLogger(__name__)

TOKENS_PER_WORD = 1.5  # subword tokens per English word in generated news text, with margin
# Rows per generate call. On CPU a decoder step costs about the same for 1 row as for 16
# (it is bound by reading the weights), so wide batches make generation several times faster;
# measured with benchmarks/speed.py (1 row: ~100 ms/step, 16 rows: ~320 ms/step).
GENERATE_BATCH = 16
MAX_ROUNDS = 8  # map-reduce rounds; each round shrinks the text at least fourfold
_PREAMBLE = re.compile(
    r"^\s*(?:(?:here(?:'s| is) )?(?:a |the )?(?:short |brief )?summary(?: of (?:the|this) (?:news )?article)?\s*[:\-]|"
    r"summary\s*:|tl;?dr\s*:?|headline\s*:)\s*",
    re.I,
)


@dataclass(frozen=True, slots=True)
class GenerationPlan:
    """What one generate round asks of the model."""

    max_new_tokens: int
    min_new_tokens: int
    num_beams: int
    no_repeat_ngram_size: int = 3


class GenerativeSummarizer:
    """Headline and summary written by a seq2seq or causal language model."""

    multi_source = True  # one summary from all of a story's reports; map-reduce takes any length

    def __init__(self, spec: ModelSpec, path: Path, settings: Settings,
                 fallback: Callable[[], Summarizer] | None = None):
        self.spec = spec
        self.path = path
        self.name = spec.name
        self.settings = settings
        self.fallback_factory = fallback
        self._fallback: Summarizer | None = None
        self.model: Any = None  # a transformers model once loaded
        self.tokenizer: Any = None
        self.calls = 0  # generate calls made: tests and benchmarks read it

    @property
    def cache_key(self) -> str:
        from .. import __version__
        from ..models.registry import fingerprint

        st = self.settings
        return "|".join(str(v) for v in (
            self.spec.kind, self.path.resolve(), fingerprint(self.path), self.spec.prefix, st.beams,
            st.headline_words, st.summary_words, st.context_tokens, st.quantize, st.guard, st.max_sentences,
            __version__))

    # -- loading ----------------------------------------------------------------------------

    @property
    def causal(self) -> bool:
        return self.spec.kind == "causal"

    def load(self) -> None:
        """Load tokenizer and model once per run."""
        if self.model is not None:
            return
        import torch  # noqa: F401  (only here: the extractive path and --help never pay for it)
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        quiet_transformers()
        set_threads(self.settings.threads)
        kw = {"gguf_file": self.spec.gguf_file} if self.spec.gguf_file else {}
        auto = AutoModelForCausalLM if self.causal else AutoModelForSeq2SeqLM
        try:
            tok = AutoTokenizer.from_pretrained(self.path, **kw)
            model = auto.from_pretrained(self.path, **kw).eval()
        except ImportError as e:  # e.g. GGUF needs the gguf package, sentencepiece models need protobuf
            hint = (" Install the extra: pip install 'offline-briefing[generative]'."
                    if any(p in str(e).lower() for p in ("sentencepiece", "protobuf")) else "")
            raise ModelError(f"Cannot load model '{self.name}' from {self.path}: {str(e).splitlines()[0]}{hint}") from None
        except Exception as e:  # noqa: BLE001  (a broken file can fail in any of transformers' loaders)
            raise ModelError(
                f"Cannot load model '{self.name}' from {self.path} as a {self.spec.kind} model: "
                f"{str(e).splitlines()[0] if str(e) else type(e).__name__}"
            ) from None
        if self.settings.quantize:
            model = _quantize(model)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token or tok.unk_token
        if self.causal:
            tok.padding_side = "left"  # new tokens follow the prompt in every row
        self.tokenizer, self.model = tok, model
        self.context = self._context_size()
        self.overhead = self.count(self._prepare("")) + self._special_tokens()
        logger.debug("loaded %s model %s: window %d tokens, prompt overhead %d",
                     self.spec.kind, self.path, self.context, self.overhead)

    def _context_size(self) -> int:
        """The input window: the model's position limit, capped by settings.context_tokens."""
        cfg = self.model.config
        found = [getattr(cfg, k, None) for k in ("max_position_embeddings", "n_positions", "max_sequence_length")]
        limits: list[int] = [v for v in found if isinstance(v, int) and v > 0]
        tok_max = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(tok_max, int) and 0 < tok_max < 1_000_000:
            limits.append(tok_max)
        return min(limits + [self.settings.context_tokens])

    def _special_tokens(self) -> int:
        if self.causal:
            return 1 if self.tokenizer.chat_template is None else 0  # a BOS, or the template's own
        return len(self.tokenizer("", add_special_tokens=True)["input_ids"])

    def count(self, text: str) -> int:
        """Tokens of a text, without special tokens and without any length warning."""
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if backend is not None:
            return len(backend.encode(text, add_special_tokens=False).ids)
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    # -- steps ------------------------------------------------------------------------------

    def _prepare(self, text: str, n_sentences: int = 3) -> str:
        """The model input for a text: T5-style prefix, chat template, or a plain prompt."""
        if not self.causal:
            return self.spec.prefix + text
        task = (f"Summarize this news article in {n_sentences} short sentences. "
                "Start with the most important fact. Use only facts stated in the article.")
        if self.tokenizer.chat_template:
            messages = [{"role": "user", "content": f"{task}\n\nArticle:\n{text}"}]
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return f"Article:\n{text}\n\n{task}\nSummary:"

    def budget(self, max_new_tokens: int) -> int:
        """Article tokens that fit one window next to the prompt (and, for causal LMs, the output)."""
        room = self.context - self.overhead - (max_new_tokens if self.causal else 0)
        if room < 16:
            raise ModelError(
                f"Model '{self.name}' has a {self.context}-token window, too small for its prompt and a "
                f"{max_new_tokens}-token summary; raise context_tokens or lower summary_words."
            )
        return room

    def plan(self, words: int, input_tokens: int) -> GenerationPlan:
        """Lengths for one batch: never longer than the input warrants, never min > max."""
        limit = max(8, round(words * TOKENS_PER_WORD))
        max_new = max(4, min(limit, input_tokens + 8))
        min_new = min(max(1, limit // 4), max_new // 2)
        return GenerationPlan(max_new, min_new, self.settings.beams)

    def _generate(self, texts: Sequence[str], words: int, n_sentences: int = 3,
                  fixed: int | None = None) -> list[str]:
        """Generated text for each input, batched by similar length (longest first)."""
        import torch

        self.load()
        tok, model = self.tokenizer, self.model
        prompts = [self._prepare(t, n_sentences) for t in texts]
        lengths = [self.count(p) for p in prompts]
        order = sorted(range(len(prompts)), key=lambda i: -lengths[i])
        out: list[str] = [""] * len(prompts)
        size = GENERATE_BATCH
        for lo in range(0, len(order), size):
            idx = order[lo : lo + size]
            longest = max(lengths[i] for i in idx)
            plan = self.plan(words, longest)
            if fixed is not None:
                plan = replace(plan, max_new_tokens=fixed, min_new_tokens=fixed)
            need = longest + self._special_tokens() + (plan.max_new_tokens if self.causal else 0)
            if need > self.context:  # segmenting makes this impossible; never truncate silently
                raise ModelError(f"Internal error: {need} tokens exceed model '{self.name}''s {self.context}-token window.")
            enc = tok([prompts[i] for i in idx], return_tensors="pt", padding=True,
                      add_special_tokens=not (self.causal and tok.chat_template))
            with torch.inference_mode():
                ids = model.generate(**enc, generation_config=self._config(plan))
            self.calls += 1
            if self.causal:
                ids = ids[:, enc["input_ids"].shape[1] :]
            for i, text in zip(idx, tok.batch_decode(ids, skip_special_tokens=True), strict=True):
                out[i] = text
        return out

    def _config(self, plan: GenerationPlan):
        """The model's own generation config with our lengths and decoding; no conflicting limits."""
        cfg = self.model.generation_config.__class__.from_dict(self.model.generation_config.to_dict())
        cfg.update(
            max_new_tokens=plan.max_new_tokens, min_new_tokens=plan.min_new_tokens, max_length=None,
            min_length=None, num_beams=plan.num_beams, no_repeat_ngram_size=plan.no_repeat_ngram_size,
            do_sample=False, length_penalty=1.0, early_stopping=plan.num_beams > 1,
            pad_token_id=self.tokenizer.pad_token_id, temperature=None, top_p=None, top_k=None,
        )
        if cfg.eos_token_id is None:
            cfg.eos_token_id = self.tokenizer.eos_token_id
        return cfg

    def _reduce(self, articles: Sequence[Article], words: int) -> list[str]:
        """Map-reduce: each article's text shrunk until it fits one window."""
        budget = self.budget(round(words * TOKENS_PER_WORD))
        map_words = max(8, min(words, int(budget / 4 / TOKENS_PER_WORD)))
        texts = [a.text for a in articles]
        for round_no in range(MAX_ROUNDS):
            segments = {i: self.segments(articles[i].with_text(t), budget) for i, t in enumerate(texts)}
            long_ones = [i for i, segs in segments.items() if len(segs) > 1]
            if not long_ones:
                return texts
            pieces = [(i, s.text) for i in long_ones for s in segments[i]]
            logger.info("round %d: %d long article(s) in %d segments", round_no + 1, len(long_ones), len(pieces))
            outputs = self._generate([p for _, p in pieces], map_words)
            joined: dict[int, list[str]] = {i: [] for i in long_ones}
            for (i, seg_text), out in zip(pieces, outputs, strict=True):
                sents = self._sentences(out) or [s.text for s in split_sentences(seg_text)[:1]]
                joined[i].append(" ".join(sents))
            for i in long_ones:
                texts[i] = "\n".join(joined[i])
        # Not reached with a sane model (each round shrinks fourfold); keep what fits, and say so.
        for i, t in enumerate(texts):
            segs = self.segments(articles[i].with_text(t), budget)
            if len(segs) > 1:
                logger.warning("%s: still too long after %d rounds; summarizing its first part", articles[i].id, MAX_ROUNDS)
                texts[i] = segs[0].text
        return texts

    def segments(self, article: Article, budget: int) -> tuple:
        """Segments whose joined text the model's tokenizer counts within budget.

        Sentences are counted one by one; joining them can merge or split a token at the
        seams, so a segment that comes out over budget is cut again with a smaller one.
        """
        target = budget
        while True:
            segs = make_segments(article, target, self.count)
            if all(self.count(s.text) <= budget for s in segs) or target < 8:
                return segs
            target = int(target * 0.9)

    def _sentences(self, generated: str) -> list[str]:
        """Clean sentences of a model output: no preamble, no <n> markers, no cut-off last sentence."""
        text = generated.replace("<n>", " ").replace("\n", " ")
        text = _PREAMBLE.sub("", " ".join(text.split()))
        sents = [s.text.strip(" -*•\"") for s in split_sentences(text)]
        sents = [s for s in sents if re.search(r"\w", s)]
        if len(sents) > 1 and not re.search(r"[.!?…\"'”’)]$", sents[-1]):
            sents = sents[:-1]  # the length limit cut it off
        return sents

    def _clean(self, art: Article, generated: str, n_sentences: int) -> Summary | None:
        """A Summary from the output: the first sentence is the headline; None if nothing usable."""
        sents = self._sentences(generated)
        if not sents:
            return None
        kept: list[str] = []
        words = 0
        for s in sents[:n_sentences]:
            n = len(s.split())
            if kept and words + n > self.settings.summary_words:
                break
            kept.append(s)
            words += n
        title = title_headline(art.title, art.source, art.text)
        if title:  # the publisher's title is the best headline there is
            return Summary(art.id, title, tuple(kept), self.name,
                           method="generated", headline_from="title")
        return Summary(art.id, _headline(kept[0], self.settings.headline_words), tuple(kept), self.name,
                       method="generated", headline_from="generated")

    # -- the Summarizer interface --------------------------------------------------------------

    def summarize(self, articles: Sequence[Article], n_sentences: int, progress: ProgressFn | None = None) -> list[Summary]:
        self.load()
        results: list[Summary | None] = [None] * len(articles)
        todo = [i for i, a in enumerate(articles) if a.text.strip()]
        words = self.settings.summary_words
        reduced = self._reduce([articles[i] for i in todo], words)
        outputs = self._generate(reduced, words, n_sentences)
        for i, out in zip(todo, outputs, strict=True):
            summary = self._clean(articles[i], out, n_sentences)
            if summary is not None and self.settings.guard:
                said = summary.sentences if summary.headline_from == "title" else (summary.headline,) + summary.sentences
                bad = unsupported(" ".join(said), _source(articles[i]))
                if bad:
                    logger.info("%s: generated text names %s, not in the article; using the extractive summary",
                                articles[i].id, ", ".join(sorted(set(bad))[:5]))
                    summary = None
            results[i] = summary
        missing = [i for i, s in enumerate(results) if s is None]
        if missing:
            backup = self.fallback()
            for i, s in zip(missing, backup.summarize([articles[i] for i in missing], n_sentences), strict=True):
                results[i] = replace(s, method="extractive")
        if progress:
            progress(len(articles))
        return results  # type: ignore[return-value]

    def fallback(self) -> Summarizer:
        if self._fallback is None:
            if self.fallback_factory is None:
                from .extractive import LeadSummarizer

                self._fallback = LeadSummarizer()
            else:
                self._fallback = self.fallback_factory()
        return self._fallback


def _quantize(model):
    """Linear layers with int8 weights and dynamically quantized activations (CPU inference).

    The encoder pass is compute-bound on CPU and this is the one change that makes it
    cheaper: benchmarks/speed.py measures the gain. `quantize = false` turns it off.
    """
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's notice about moving to torchao
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def _source(article: Article) -> str:
    return "\n".join(filter(None, (article.title, article.dateline, article.text)))


def _headline(sentence: str, max_words: int) -> str:
    """A sentence as a headline: cut at a clause boundary, else at the word limit with an ellipsis."""
    words = sentence.split()
    if len(words) <= max_words:
        return sentence
    head = " ".join(words[:max_words])
    cut = max(head.rfind(", "), head.rfind("; "), head.rfind(" – "))
    if cut > len(head) // 2:
        return head[:cut]
    return head.rstrip(",;:") + " …"


def _extractive_fallback(settings: Settings, models: Models) -> Callable[[], Summarizer]:
    """The default encoder's summarizer (sharing the run's encoder) when its package is installed, else the lead
    baseline."""

    def make() -> Summarizer:
        from ..models.registry import resolve
        from .extractive import make_extractive, make_lead

        spec = resolve("minilm", settings.models_dir)
        if spec.present and spec.kind == "extractive":
            return make_extractive(settings, spec, models)
        return make_lead(settings, spec, models)

    return make


def make_generative(settings: Settings, spec: ModelSpec, models: Models) -> GenerativeSummarizer:
    return GenerativeSummarizer(spec, require_present(spec), settings, _extractive_fallback(settings, models))
