"""Privacy metrics: does the generator copy the samples it was trained on?

A generator that returns near-copies of its training images, curves or rows scores well on every
fidelity metric and is useless, even harmful, for sharing data that could not be shared. Three
metrics measure this, each against *held-out* real samples the model never saw (they refuse to
run when the evaluation's real data is the training data); all three share one set of samples
and nearest-neighbour distances per evaluation.

The sets: ``T``, up to ``max_train`` training samples (the run's dataset rebuilt without
augmentation; by default whole training splits of series and tables of typical size, since a
generator copies from the whole split and a copy of a sample left out of ``T`` looks unseen);
``H``, up to ``max_holdout`` of the evaluation's held-out samples (the ``val`` or ``test``
split, or both pooled); ``S``, ``n_synthetic`` generated samples (default: as many as ``T``,
the size of a typical release). Paired models (image translation) make ``S`` from the sources
of one random half of the held-out pairs, and the other half is ``H``, so ``S`` depends on
neither ``T`` nor ``H``. Distances per modality: [`ganzoo.metrics.privacy.distances`][ganzoo.metrics.privacy.distances].

* ``dcr`` -> ``dcr_share``: the share of generated samples whose closest real sample (of
  ``T`` and ``H`` together) is a training sample, **size-balanced** so that 0.5 is the ideal
  whatever the sizes of ``T`` and ``H``. If the generator's output does not depend on which real
  samples were trained on, the closest of all real samples is equally likely to be any of them
  (they are exchangeable), so the raw share is ``|T| / (|T| + |H|)`` exactly; weighting the
  counts by the inverse set sizes turns that into 0.5. Values above 0.5 mean generated samples
  sit closer to training samples than to equally typical unseen ones: memorisation. With equal
  sets this is the raw share SDMetrics' DCROverfittingProtection reports (``closer_to_training``).
* ``training-copies`` -> ``exact_copy_rate`` and ``near_copy_rate``: the share of generated
  samples at distance 0 from a training sample (float rounding aside), and within the
  ``near_quantile`` (default 5 %) quantile of the held-out samples' distances to their closest
  training sample. Each comes with ``holdout_rate``, the same share for the held-out samples:
  what a generator that copies nothing shows (about ``near_quantile`` for continuous data;
  more for tables whose rows repeat), and ``training_share``, the DCR share of the generated
  samples that close to *any* real sample: 0.5 when they are typical of the data (near real
  samples of either split), near 1 when they are copies of training samples.
* ``membership-inference`` -> ``membership_auc``: a membership-inference attack given the
  generated samples scores each real sample by minus its distance to the closest generated
  sample ("closer to the synthetic data means member": the full black-box attack of GAN-Leaks,
  Chen et al. 2020) and has to tell the training members ``T`` from the held-out non-members
  ``H``; the AUC of that score, 0.5 when it learns nothing.

Each result carries its protocol (split, sample counts, distance, threshold), a standard error
(``sd``; counting a group as one draw when the dataset's split held out whole groups, such as
meters: [`SplitGroups`][ganzoo.registry.protocols.SplitGroups]) and a ``flagged`` verdict: ``dcr_share`` above 0.55 or ``membership_auc`` above 0.6,
each also more than two standard errors above 0.5; a copy rate above twice its held-out rate
plus 0.01 whose ``training_share`` is flagged as a DCR share is.

The guarantee behind 0.5 holds for data whose training and held-out samples are drawn alike
(random splits, the seeded simulators); splits by time (smart-meter files with ``split_by = "time"``) make
the held-out days different, and the numbers then also measure that drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The registered privacy metrics, run by ``ganzoo evaluate`` by default.
PRIVACY_METRICS = ("dcr", "training-copies", "membership-inference")


def partial_training(result: Mapping[str, Any]) -> str | None:
    """A sentence when ``T`` held only part of the training split (``None`` otherwise): copies of
    the other training samples look like unseen samples, so memorisation is seen only in part."""
    compared, available = result.get("n_train"), result.get("n_training_split")
    if not isinstance(compared, int) or not isinstance(available, int) or compared >= available:
        return None
    return (f"the privacy results compared generated samples with {compared:,} of the {available:,} training "
            "samples: a copy of any other training sample looks like an unseen sample, so copying shows only "
            "in part; raise max_train to compare with all of them")


def privacy_applies(spec: Any) -> bool:
    """Series, tables, and 1- or 3-channel images (the image feature extractors take those)."""
    return spec.modality in ("series", "table") or (spec.modality == "image" and spec.channels in (1, 3))
