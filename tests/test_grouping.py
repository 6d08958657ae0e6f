"""Same-event evidence beyond topic: shared names and numbers, and publication dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from conftest import FIXTURES, make_article

from briefing.stories.blocking import article_vectors, candidate_pairs, cluster_blocked, nearest
from briefing.stories.copies import near_copies
from briefing.stories.evidence import coverage, event_similarity, name_similarity, name_vectors
from briefing.stories.grouping import cluster
from briefing.stories.linkage import attach_alone, average_linkage, sparse_attach_alone
from briefing.stories.neighbourhoods import neighbourhood, pair_neighbourhoods, with_neighbourhoods
from briefing.stories.params import GROUPING

SAME_EVENT = GROUPING.same_event

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


def test_names_opening_a_sentence_count_when_the_day_writes_them_capitalised():
    arts = [make_article("Rescuers said Reid was taken to Promises in Malibu.", "Reid checked in on Tuesday.", id="a"),
            make_article("Officials said the clinic is full.", "Officials declined to comment.", id="b")]
    (bag, other), _, _ = name_vectors(arts)
    # both mentions of Reid, each in the lead (counted twice): "Reid" opens a sentence, but the day writes it
    # capitalised inside one; "Officials" is never capitalised mid-sentence; "Tuesday" says only "this week"
    assert bag["reid"] == max(bag.values()) and "tuesday" not in bag and "rescuers" not in bag
    assert "officials" not in other


def test_possessives_and_the_lead_weigh_names():
    lead = ["Lindsay Lohan's lawyer spoke to Ketsoyan.", "Fans waited.", "Fans cheered.", "Fans left."]
    art = make_article(*lead, "Later Ketsoyan met Holley.", id="a", title="Lohan checks into Betty Ford")
    other = make_article("Holley, Ketsoyan and Lohan were there.", id="b")  # each name in both: equal IDF
    (bag, _), _, _ = name_vectors([art, other])
    assert "lohan's" not in bag
    assert bag["lohan"] > bag["ketsoyan"] > bag["holley"]  # the title and the lead count twice (4, 3, 1 mentions)


def test_reports_days_apart_need_more_evidence():
    day = datetime(2026, 2, 5, tzinfo=UTC)
    near = [make_article(*QUAKE_A, id="a", published=day), make_article(*QUAKE_A2, id="b", published=day)]
    far = [near[0], make_article(*QUAKE_A2, id="b", published=day + timedelta(days=8))]
    cover = np.array([[1.0, 0.6], [0.6, 1.0]], dtype=np.float32)
    assert event_similarity(far, cover)[0, 1] < event_similarity(near, cover)[0, 1] - 0.3


# -- grouping that scales: candidate pairs first -------------------------------------------------------------

def _random_day(seed: int, n: int = 40):
    """n articles in ~8 events: random sentence vectors around an event centre, and dated articles."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(8, 32))
    blocks, articles = [], []
    for i in range(n):
        e = int(rng.integers(8))
        vecs = centres[e] + rng.normal(scale=1.2, size=(int(rng.integers(2, 9)), 32))
        blocks.append((vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32))
        when = datetime(2026, 2, 5, tzinfo=UTC) + timedelta(hours=int(rng.integers(0, 96)))
        articles.append(make_article(f"Report {i} of event {e} says words {i}.", id=f"a{i}", published=when))
    return articles, blocks


@pytest.mark.parametrize("seed", range(8))
def test_blocked_grouping_with_every_pair_equals_the_dense_grouping(seed):

    articles, blocks = _random_day(seed)
    dense = cluster(articles, event_similarity(articles, coverage(blocks)), SAME_EVENT)
    n = len(articles)
    every = np.array([(i, j) for i in range(n) for j in range(i + 1, n)])
    assert cluster_blocked(articles, blocks, GROUPING, pairs=every, copies=near_copies(articles)) == dense
    assert 1 < len(dense) < n  # the check is not vacuous: some merged, not all


def test_candidate_pairs_keep_the_date_window_and_the_nearest():

    articles, blocks = _random_day(3, 60)
    vectors = article_vectors(blocks)
    exact = nearest(vectors, 5, exact=True)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    assert (exact == np.argsort(-sims, axis=1, kind="stable")[:, :5]).all()
    approx = nearest(vectors, 5)  # faiss HNSW when installed
    recall = np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approx, exact, strict=True)])
    assert recall >= 0.9
    pairs, _ = candidate_pairs(articles, vectors, replace(GROUPING, neighbours=5, window_days=1.0))
    days = [abs((articles[i].published - articles[j].published).total_seconds()) / 86400 for i, j in pairs]
    assert pairs.shape[1] == 2 and (pairs[:, 0] < pairs[:, 1]).all() and max(days) <= 1.0


@pytest.mark.e2e
def test_blocked_grouping_on_real_reports_matches_dense(tmp_path):
    """46 real ECB+ reports of 8 events, MiniLM vectors: blocking by 10 nearest loses no merge here."""
    import json

    from briefing.config import Settings
    from briefing.engines.local import LocalEngine
    from briefing.models.bundle import Models
    from briefing.read.files import read_inputs
    from briefing.run import Run
    from briefing.text.sentences import with_sentences

    articles = with_sentences(read_inputs([FIXTURES / "events46.jsonl"])[0])
    blocks = LocalEngine().encode(Run(Settings(), Models(Settings())), articles, [False] * len(articles)).vectors
    dense = cluster(articles, event_similarity(articles, coverage(blocks)), SAME_EVENT)
    pairs, copies = candidate_pairs(articles, article_vectors(blocks), replace(GROUPING, neighbours=10))
    assert len(pairs) < len(articles) * (len(articles) - 1) / 2 / 2  # far fewer than every pair
    assert cluster_blocked(articles, blocks, GROUPING, pairs=pairs, copies=copies) == dense
    truth = [json.loads(line)["cluster"] for line in (FIXTURES / "events46.jsonl").read_text().splitlines()]
    assert all(len({truth[i] for i in g}) == 1 for g in dense)  # every group is one real event


def _two_crowded_events_and_a_pair() -> np.ndarray:
    """Articles 0-5 report one event, 6-11 another of the same kind (0.3 between them), 12 and 13 a third
    told twice. 1 is a short report of the first event: only just close to 2-5 (0.43), far from 0 (0.2)."""
    sim = np.full((14, 14), 0.3)
    sim[:6, :6] = sim[6:12, 6:12] = 0.6
    sim[1, 2:6] = sim[2:6, 1] = 0.43
    sim[0, 1] = sim[1, 0] = 0.2
    sim[12:, :] = sim[:, 12:] = 0.1
    sim[12, 13] = sim[13, 12] = 0.40
    np.fill_diagonal(sim, 1.0)
    return sim


def test_reports_of_a_crowded_event_with_weak_evidence_join_through_their_shared_neighbours():
    sim = _two_crowded_events_and_a_pair()
    arts = [make_article(f"Report {i} text here.", id=str(i)) for i in range(14)]
    linked = average_linkage([[i] for i in range(14)], sim, SAME_EVENT)
    assert sorted(sorted(g) for g in linked) == [[0, 2, 3, 4, 5], [1], [6, 7, 8, 9, 10, 11], [12], [13]]
    more = with_neighbourhoods(sim)
    assert more[0, 1] > 0.35  # 0 and 1 have the same nearest reports: 2-5
    assert more[0, 6] < 0.3  # the other event of that kind keeps its own reports nearest
    assert more[12, 13] == 0.40 and (more[12:, :12] == sim[12:, :12]).all()  # a pair alone: no crowd, unchanged
    assert cluster(arts, more, SAME_EVENT) == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [12], [13]]


def test_shared_neighbours_over_every_pair_equal_the_dense_ones():
    sim = _two_crowded_events_and_a_pair()
    sim[2, 7:10] = sim[7:10, 2] = 0.6  # 2 has seven others at 0.6 for six places: the lower indices, in both
    sim[2, 9] = sim[9, 2] = 0.6 + 1e-6  # a near-tie is a tie: float noise does not pick 2's neighbours
    assert sorted(neighbourhood(np.delete(sim[2], 2), np.delete(np.arange(14), 2))) == [0, 3, 4, 5, 7, 8]
    every = np.array([(i, j) for i in range(14) for j in range(i + 1, 14)])
    sparse = pair_neighbourhoods(14, every, sim[every[:, 0], every[:, 1]].astype(np.float32))
    assert np.allclose(sparse, with_neighbourhoods(sim)[every[:, 0], every[:, 1]], atol=1e-6)


def test_a_live_blog_or_roundup_never_bridges_two_events():
    """A live blog tells two events (it is similar enough to both): without kinds it joins them into one story;
    with its kind, the two events stay apart and the blog joins the one it is most like; a roundup joins none."""
    arts = [make_article("Quake in Peru.", id="a"), make_article("Quake in Peru, homes damaged.", id="a2"),
            make_article("Cricket: England win.", id="b"), make_article("Live: quake and cricket.", id="live")]
    sim = np.array([[1.0, 0.9, 0.1, 0.8],
                    [0.9, 1.0, 0.1, 0.7],
                    [0.1, 0.1, 1.0, 0.9],
                    [0.8, 0.7, 0.9, 1.0]], dtype=np.float32)
    assert cluster(arts, sim, 0.42) == [[0, 1, 2, 3]]  # as news, the blog bridges the quake and the cricket
    live = [*arts[:3], replace(arts[3], kind="live")]
    assert cluster(live, sim, 0.42) == [[0, 1], [2, 3]]  # it joins the cricket (0.9; the quake: 0.75)
    roundup = [*arts[:3], replace(arts[3], kind="roundup")]
    assert cluster(roundup, sim, 0.42) == [[0, 1], [2], [3]]  # a digest ("Opening Bell") joins no story
    alone = [*arts[:3], replace(arts[3], kind="live")]
    low = sim.copy()
    low[3, :3] = low[:3, 3] = 0.3
    assert cluster(alone, low, 0.42) == [[0, 1], [2], [3]]  # like neither: a story of its own


def test_a_news_report_represents_a_story_before_opinion_or_a_live_blog():
    from briefing.stories.grouping import best_article

    column = make_article("An opinion column, long. " * 40, id="col", kind="opinion")
    live = make_article("A live blog, longer still. " * 60, id="live", kind="live")
    report = make_article("The news report.", id="news")
    assert best_article([column, live, report]) == 2
    assert best_article([column, live]) == 1  # no news report: the longest complete one, as before
    assert best_article([column, make_article("", id="t", title="Title only")]) == 0  # text first


def _loose_story_and_lone_reports() -> np.ndarray:
    """0-6: one event told by seven outlets in their own words (0.5 between them); 7-8 a tight story (0.9);
    9: a brief report of the first event, under the threshold from each of its reports (0.34) and far from the
    rest (0.1); 10: between the first event and the tight story (0.34 and 0.32); 11: another story (0.1-0.2)."""
    sim = np.full((12, 12), 0.1)
    sim[:7, :7] = 0.5
    sim[7:9, 7:9] = 0.9
    sim[9, :7] = sim[:7, 9] = 0.34
    sim[10, :7] = sim[:7, 10] = 0.34
    sim[10, 7:9] = sim[7:9, 10] = 0.32
    sim[11, :7] = sim[:7, 11] = 0.2
    np.fill_diagonal(sim, 1.0)
    return sim


STORY, TIGHT, BRIEF, BETWEEN, OTHER = list(range(7)), [7, 8], 9, 10, 11


def test_a_report_left_alone_joins_the_crowded_story_it_clearly_belongs_to():
    """Linkage leaves the brief report out (0.34 < 0.42 from each report of a story whose own reports agree at
    0.5); it joins that story (0.34 >= half its cohesion, 0.24 above every other group). The report between
    that story and the tight one is as close to it but nearly as close to the other (0.02 apart): it joins
    neither; the last is far from all. Dense and sparse alike; cluster() does it."""
    sim = _loose_story_and_lone_reports()
    linked = average_linkage([[i] for i in range(12)], sim, SAME_EVENT)
    alone = [len(g) == 1 for g in linked]
    got = sorted(sorted(g) for g in attach_alone(linked, alone, sim))
    assert got == [[*STORY, BRIEF], TIGHT, [BETWEEN], [OTHER]]
    edges = [(i, j, float(sim[i, j])) for i in range(12) for j in range(i + 1, 12)]
    assert sparse_attach_alone(linked, alone, edges) == got
    arts = [make_article(f"Report {i} text here.", id=str(i)) for i in range(12)]
    assert cluster(arts, sim, SAME_EVENT) == got


def test_a_lone_report_does_not_join_a_small_or_tight_story_nor_chain_two_events():
    """Only a crowded story (GROUPING.alone_host reports or more) takes a lone report in: with three reports of
    the story, the brief report stays alone; a tight story asks as much as linkage did (0.34 is under half of
    0.9); and a report close to one member of a pair and far from the other is not chained in (the fixture
    day's port expansion beside its storm story)."""
    sim = _loose_story_and_lone_reports()
    keep = [0, 1, 2, *TIGHT, BRIEF, BETWEEN, OTHER]
    small = sim[np.ix_(keep, keep)]  # 0-2 the story, 3-4 tight, 5 the brief report
    arts = [make_article(f"Report {i} text here.", id=str(i)) for i in range(len(small))]
    assert [0, 1, 2, 5] not in cluster(arts, small, SAME_EVENT)
    assert [[0, 1, 2], [3, 4], [5], [6], [7]] == cluster(arts, small, SAME_EVENT)
    tight = sim.copy()
    tight[:7, :7] = 0.9
    np.fill_diagonal(tight, 1.0)
    assert [BRIEF] in cluster([make_article(f"R {i}.", id=str(i)) for i in range(12)], tight, SAME_EVENT)
    chain = np.array([[1, 0.7, 0.1], [0.7, 1, 0.7], [0.1, 0.7, 1]])
    assert cluster([make_article(f"S {c}.", id=c) for c in "abc"], chain, 0.54) == [[0, 1], [2]]


def test_blocked_grouping_attaches_lone_reports_like_every_pair(monkeypatch):
    """cluster_blocked() over every pair as candidates gives what cluster() gives, lone reports included."""
    from briefing.stories import blocking

    sim = _loose_story_and_lone_reports()
    arts = [make_article(f"Report {i} text here.", id=str(i)) for i in range(12)]
    every = np.array([(i, j) for i in range(12) for j in range(i + 1, 12)])
    monkeypatch.setattr(blocking, "pair_event_similarity", lambda a, b, pairs, p: sim[pairs[:, 0], pairs[:, 1]])
    got = cluster_blocked(arts, [np.ones((1, 2), np.float32)] * 12, pairs=every, copies=[])
    assert got == cluster(arts, sim, SAME_EVENT) == [[*STORY, BRIEF], TIGHT, [BETWEEN], [OTHER]]


def test_a_lone_report_as_near_another_lone_report_joins_no_story():
    """The brief report is 0.34 from the crowded story but 0.41 from another report linkage left alone (just
    under the threshold): the next-nearest group counts lone reports too, so it joins neither. Dense and sparse."""
    sim = _loose_story_and_lone_reports()
    sim[BRIEF, OTHER] = sim[OTHER, BRIEF] = 0.41
    arts = [make_article(f"Report {i} text here.", id=str(i)) for i in range(12)]
    assert [BRIEF] in cluster(arts, sim, SAME_EVENT)
    linked = average_linkage([[i] for i in range(12)], sim, SAME_EVENT)
    edges = [(i, j, float(sim[i, j])) for i in range(12) for j in range(i + 1, 12)]
    assert [BRIEF] in sparse_attach_alone(linked, [len(g) == 1 for g in linked], edges)


def test_dense_and_sparse_lone_reports_agree_on_float32_scores_at_the_floor():
    """A lone report whose mean to a crowded story is the floor to float32 precision: both versions sum in
    float64 and decide alike (the dense one summed in float32 and disagreed)."""
    p = GROUPING
    sim = _loose_story_and_lone_reports().astype(np.float32)
    row = np.full(7, p.alone_floor, dtype=np.float32)
    row[0] += np.float32(3e-8)
    sim[BRIEF, :7] = sim[:7, BRIEF] = row
    linked = average_linkage([[i] for i in range(12)], sim, SAME_EVENT)
    alone = [len(g) == 1 for g in linked]
    dense = sorted(sorted(g) for g in attach_alone(linked, alone, sim))
    edges = [(i, j, float(sim[i, j])) for i in range(12) for j in range(i + 1, 12)]
    assert dense == sparse_attach_alone(linked, alone, edges)


def test_blocked_grouping_never_attaches_a_lone_roundup(monkeypatch):
    """A digest near the crowded story stays a story of its own in the blocked grouping, as in the dense one."""
    from briefing.stories import blocking

    sim = _loose_story_and_lone_reports()
    arts = [make_article(f"Report {i} text here.", id=str(i)) for i in range(12)]
    arts[BRIEF] = replace(arts[BRIEF], kind="roundup")
    every = np.array([(i, j) for i in range(12) for j in range(i + 1, 12)])
    monkeypatch.setattr(blocking, "pair_event_similarity", lambda a, b, pairs, p: sim[pairs[:, 0], pairs[:, 1]])
    got = cluster_blocked(arts, [np.ones((1, 2), np.float32)] * 12, pairs=every, copies=[])
    assert [BRIEF] in got
    assert [BRIEF] in cluster(arts, sim, SAME_EVENT)


def test_a_day_of_only_live_blogs_and_roundups_groups_without_error():
    """Nothing for linkage to merge (every article tells several events; it crashed on an empty set of groups):
    the second live blog joins the first as it would join any story it is like, the digest joins none."""
    arts = [replace(make_article("Live: quake and cricket.", id="a"), kind="live"),
            replace(make_article("Live: markets.", id="b"), kind="live"),
            replace(make_article("Opening Bell.", id="c"), kind="roundup")]
    sim = np.array([[1, .5, .5], [.5, 1, .5], [.5, .5, 1]])
    assert cluster(arts, sim, SAME_EVENT) == [[0, 1], [2]]
