"""The learned suggestions: a bag-of-words multi-label classifier (spaCy ``textcat_multilabel`` on
a blank English pipeline) trained on the team's coded sentences, evaluated on held-out transcripts,
and kept inside the project file (nothing is downloaded)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from workbench.agreement.units import carries
from workbench.analysis.columns import column_key
from workbench.errors import WorkbenchError
from workbench.store import Store
from workbench.suggest import THRESHOLD, Suggestion, _sentences

if TYPE_CHECKING:
    from spacy.language import Language

MODEL = "suggestions"
MIN_EXAMPLES = 5
BATCH = 64  # examples per update
BOW_LENGTH = 2**15  # hashed word and bigram features: plenty for interviews, and fast to update


@dataclass(slots=True)
class TrainingData:
    labels: list[str]
    train: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    test: list[tuple[str, dict[str, float]]] = field(default_factory=list)


def labelled_sentences(
    store: Store, transcript_ids: list[int], *, columns: str, coders: list[str] | None
) -> list[tuple[str, set[str]]]:
    """Each sentence of the transcripts with the codes (at ``columns`` level) that cover half of it."""
    paths = {c.id: column_key(c.path, columns) for c in store.codes(counts=False)}
    out = []
    for transcript_id in transcript_ids:
        text, sentences = _sentences(store, transcript_id)
        spans: dict[str, list[tuple[int, int]]] = {}
        for segment in store.segments(transcript_id=transcript_id):
            if coders and segment.coder not in coders:
                continue
            spans.setdefault(paths[segment.code_id], []).append((segment.start, segment.end))
        for value in spans.values():
            value.sort()
        for start, end in sentences:
            labels = {label for label, sp in spans.items() if carries((start, end), sp, "half")}
            out.append((text[start:end], labels))
    return out


def build_training(
    store: Store, *, train_ids: list[int], test_ids: list[int], columns: str = "code", coders: list[str] | None = None
) -> TrainingData:
    train = labelled_sentences(store, train_ids, columns=columns, coders=coders)
    counts: dict[str, int] = {}
    for _, found in train:
        for label in found:
            counts[label] = counts.get(label, 0) + 1
    labels = sorted(label for label, n in counts.items() if n >= MIN_EXAMPLES)
    if not labels:
        raise WorkbenchError(
            f"no code has {MIN_EXAMPLES} or more coded sentences to learn from.",
            hint="Code more, or learn themes instead of codes (--columns theme).",
        )

    def as_cats(found: set[str]) -> dict[str, float]:
        return {label: float(label in found) for label in labels}

    data = TrainingData(labels, [(t, as_cats(l)) for t, l in train])
    data.test = [(t, as_cats(l)) for t, l in labelled_sentences(store, test_ids, columns=columns, coders=coders)]
    return data


def train_classifier(
    data: TrainingData, *, epochs: int = 12, seed: int = 7, progress: Callable[[int, int, float], None] | None = None
) -> Language:
    """A bag-of-words multi-label classifier on a blank English pipeline (CPU, seconds)."""
    from spacy.training import Example
    from spacy.util import fix_random_seed

    fix_random_seed(seed)
    nlp = _blank_classifier(data.labels, BOW_LENGTH)
    examples = [Example.from_dict(nlp.make_doc(text), {"cats": cats}) for text, cats in data.train]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for first in range(0, len(examples), BATCH):
            nlp.update(examples[first : first + BATCH], sgd=optimizer, losses=losses)
        if progress:
            progress(epoch + 1, epochs, losses.get("textcat_multilabel", 0.0))
    return nlp


@dataclass(frozen=True, slots=True)
class LabelScore:
    """How well the classifier suggests one code on held-out sentences."""

    precision: float | None  # None: nothing was suggested
    recall: float | None  # None: no held-out sentence has the code
    support: int  # held-out sentences with the code
    suggested: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "support": self.support,
            "suggested": self.suggested,
        }


MICRO_AVERAGE = "(all codes, micro-averaged)"


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """What a trained classifier was learned from and how it did (kept with the model as JSON)."""

    columns: str
    coders: list[str] | None
    labels: list[str]
    threshold: float
    length: int
    train_transcripts: int
    test_transcripts: int
    evaluation: dict[str, LabelScore]  # per code, and MICRO_AVERAGE over all of them

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "coders": self.coders,
            "labels": self.labels,
            "threshold": self.threshold,
            "length": self.length,
            "train_transcripts": self.train_transcripts,
            "test_transcripts": self.test_transcripts,
            "evaluation": {label: score.as_dict() for label, score in self.evaluation.items()},
        }


def evaluate(nlp: Language, data: TrainingData, threshold: float = THRESHOLD) -> dict[str, LabelScore]:
    """Precision and recall per code on held-out sentences, at the suggestion threshold."""
    scores = {label: {"tp": 0, "fp": 0, "fn": 0, "support": 0} for label in data.labels}
    for doc, (_, gold) in zip(nlp.pipe(text for text, _ in data.test), data.test):
        for label in data.labels:
            predicted = doc.cats.get(label, 0.0) >= threshold
            actual = gold[label] >= 0.5
            s = scores[label]
            s["support"] += actual
            s["tp"] += predicted and actual
            s["fp"] += predicted and not actual
            s["fn"] += actual and not predicted
    out: dict[str, LabelScore] = {}
    for label, s in scores.items():
        precision = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else None
        recall = s["tp"] / s["support"] if s["support"] else None
        out[label] = LabelScore(precision, recall, s["support"], s["tp"] + s["fp"])
    total = {k: sum(scores[l][k] for l in data.labels) for k in ("tp", "fp", "fn")}
    out[MICRO_AVERAGE] = LabelScore(
        precision=total["tp"] / (total["tp"] + total["fp"]) if total["tp"] + total["fp"] else None,
        recall=total["tp"] / (total["tp"] + total["fn"]) if total["tp"] + total["fn"] else None,
        support=sum(scores[l]["support"] for l in data.labels),
        suggested=total["tp"] + total["fp"],
    )
    return out


def split_transcripts(store: Store, test_share: float = 0.3, seed: int = 7) -> tuple[list[int], list[int]]:
    """Held-out transcripts for evaluation: whole participants (or transcripts) go to one side."""
    coded = sorted({s.transcript_id for s in store.segments()})
    if len(coded) < 2:
        raise WorkbenchError("learning needs coded segments in two or more transcripts.")
    rng = random.Random(seed)
    shuffled = coded[:]
    rng.shuffle(shuffled)
    cut = max(1, round(len(shuffled) * test_share))
    return sorted(shuffled[cut:]), sorted(shuffled[:cut])


def train_and_store(
    store: Store,
    *,
    columns: str = "code",
    coders: list[str] | None = None,
    test_ids: list[int] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> TrainedModel:
    """Evaluate on held-out transcripts, then train on every coded transcript and keep the model in
    the project. Returns the evaluation."""
    coded = sorted({s.transcript_id for s in store.segments() if not coders or s.coder in coders})
    if test_ids is None:
        train_ids, test_ids = split_transcripts(store)
    else:
        train_ids = [t for t in coded if t not in test_ids]
    data = build_training(store, train_ids=train_ids, test_ids=test_ids, columns=columns, coders=coders)
    held_out = evaluate(train_classifier(data, progress=progress), data)
    full = build_training(store, train_ids=coded, test_ids=[], columns=columns, coders=coders)
    nlp = train_classifier(full, progress=progress)
    details = TrainedModel(
        columns=columns,
        coders=coders,
        labels=full.labels,
        threshold=THRESHOLD,
        length=BOW_LENGTH,
        train_transcripts=len(train_ids),
        test_transcripts=len(test_ids),
        evaluation=held_out,
    )
    with store.transaction():
        store.save_model(MODEL, nlp.to_bytes(), details.as_dict())
    return details


def _blank_classifier(labels: Iterable[str], length: int) -> Language:
    """A blank English pipeline with an untrained bag-of-words multi-label classifier of ``labels``."""
    import spacy
    from spacy.pipeline import TextCategorizer

    nlp = spacy.blank("en")
    textcat = nlp.add_pipe(
        "textcat_multilabel",
        config={
            "model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": False,
                "ngram_size": 2,
                "no_output_layer": False,
                "length": length,
            }
        },
    )
    assert isinstance(textcat, TextCategorizer)  # textcat_multilabel is one
    for label in labels:
        textcat.add_label(label)
    return nlp


@lru_cache(maxsize=2)
def _load(data: bytes, labels: tuple[str, ...], length: int) -> Language:
    nlp = _blank_classifier(labels, length)
    nlp.initialize()
    return nlp.from_bytes(data)


def learned_suggestions(store: Store, transcript_id: int) -> list[Suggestion]:
    model = store.model(MODEL)
    if model is None:
        return []
    details = model.details
    try:
        nlp = _load(model.data, tuple(details["labels"]), details.get("length", BOW_LENGTH))
    except (ValueError, KeyError) as exc:
        raise WorkbenchError(
            "the suggestion model kept in the project cannot be read by this version.",
            hint="Learn it again: workbench suggest --train.",
        ) from exc
    codes = {c.path: c for c in store.codes(counts=False)}
    text, sentences = _sentences(store, transcript_id)
    out = []
    for (start, end), doc in zip(sentences, nlp.pipe(text[s:e] for s, e in sentences)):
        for label, score in doc.cats.items():
            if score >= details.get("threshold", THRESHOLD) and label in codes:
                out.append(
                    Suggestion(
                        transcript_id,
                        start,
                        end,
                        codes[label].id,
                        label,
                        "learned",
                        score,
                        "learned from the team's coding",
                    )
                )
    return out
