"""The numbers that decide how articles are grouped into stories, as data.

Every field enters the grouping's cache key (pipeline.grouping_key hashes the whole GroupingParams), so
changing any of them regroups instead of reusing a stale grouping; each notes where its value came from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GroupingParams:
    """Thresholds and sizes of same-event grouping (stories/): copies, evidence, neighbourhoods, blocking."""

    # event_similarity() threshold: the first 0.02 step with pairwise precision >= 0.95 on ECB+ dev
    # (benchmarks/clustering.py --sweep; README), kept after the neighbourhoods and the two-mean linkage
    same_event: float = 0.42
    # subtracted per day apart beyond the first: reports days apart need more evidence (ECB+ dev, README)
    day_penalty: float = 0.05
    # a report linkage left alone joins the one story it is nearest on average (linkage.attach_alone()) when that
    # story has at least alone_host reports and the mean is at least alone_floor, at least alone_share of the
    # story's own cohesion and alone_margin above the next story (ECB+ dev, a plateau of 0.26-0.30 / 0.4-0.5 /
    # 0.03-0.05; hosts of 5-6 took lone reports into wrong coronavirus groups on the ten real mornings;
    # README "Reports left alone")
    alone_floor: float = 0.30
    alone_share: float = 0.5
    alone_margin: float = 0.05
    alone_host: int = 7
    # nearest articles that make an article's neighbourhood (ECB+ dev; README "shared neighbourhoods")
    neighbourhood: int = 6
    # others at same_event or closer that make an article's event crowded (neighbourhoods count only there)
    crowd: int = 4
    # share of shared neighbourhoods in a crowded pair's similarity (ECB+ dev, topic halves; README)
    shared_weight: float = 0.3
    # neighbours are ranked at this resolution: near-ties fall to the lower index, not to float noise
    rank_step: float = 1e-4
    # Jaccard of word shingles above which two texts are copies of one (wire copies, trimmed reposts)
    near_copy: float = 0.5
    # words per shingle
    shingle: int = 5
    # a name in more articles of the day than this tells no event apart
    common_evidence: int = 50
    # sentences after the title that, with it, count double: where a report names its event
    lead: int = 3
    # up to this many articles every pair is scored (exact); beyond, candidate pairs are blocked
    # (grouping_scale.py: 3,000 articles 17.9 s / 329 MB every pair, 3.2 s / 41 MB blocked)
    dense_up_to: int = 3000
    # nearest articles per article when blocking: more than the reports of most events in a day
    neighbours: int = 30
    # reports further apart than this are not candidate pairs (day_penalty makes them unlikely anyway)
    window_days: float = 3.0
    # languages the sentence encoder reads (all-MiniLM-L6-v2 was trained on English)
    encoder_languages: frozenset[str] = frozenset({"en"})


GROUPING = GroupingParams()
