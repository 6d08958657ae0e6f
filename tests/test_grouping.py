"""Same-event evidence beyond topic: shared names and numbers, and publication dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from briefing.cluster import SAME_EVENT, cluster, event_similarity, name_similarity
from conftest import make_article

QUAKE_A = ("A magnitude 6.1 earthquake struck near Lampa in southern Peru on Tuesday, officials said.",
           "The quake damaged 40 homes in Puno province, Peru's civil defence institute said.")
QUAKE_A2 = ("Peru's civil defence said 40 homes in Puno were damaged by Tuesday's 6.1 quake near Lampa.",
            "No deaths were reported in the Puno region.")
QUAKE_B = ("A magnitude 5.4 earthquake shook Mindanao in the southern Philippines on Sunday, officials said.",
           "The quake damaged 12 schools in Cotabato, the Philippine disaster agency said.")


def test_names_and_numbers_tell_two_events_of_one_kind_apart():
    arts = [make_article(*QUAKE_A, id="a"), make_article(*QUAKE_A2, id="a2"), make_article(*QUAKE_B, id="b")]
    names = name_similarity(arts)
    assert names[0, 1] > 0.3 and names[0, 2] < 0.1 and names[1, 2] < 0.1
    cover = np.full((3, 3), 0.6, dtype=np.float32)  # all three "tell the same facts" topically
    np.fill_diagonal(cover, 1.0)
    sim = event_similarity(arts, cover)
    assert sim[0, 1] >= SAME_EVENT > sim[0, 2]
    assert cluster(arts, sim, SAME_EVENT) == [[0, 1], [2]]


def test_reports_days_apart_need_more_evidence():
    day = datetime(2026, 2, 5, tzinfo=timezone.utc)
    near = [make_article(*QUAKE_A, id="a", published=day), make_article(*QUAKE_A2, id="b", published=day)]
    far = [near[0], make_article(*QUAKE_A2, id="b", published=day + timedelta(days=8))]
    cover = np.array([[1.0, 0.6], [0.6, 1.0]], dtype=np.float32)
    assert event_similarity(far, cover)[0, 1] < event_similarity(near, cover)[0, 1] - 0.3
