"""The report's "Privacy" section: does the generator copy its training data, at a glance.

It reads the privacy results of ``eval.json`` (``dcr_share``, ``exact_copy_rate``,
``near_copy_rate``, ``membership_auc``; see [`ganzoo.metrics.privacy`][ganzoo.metrics.privacy]) and shows
each value next to what a generator that copies nothing would show, with the metric's own
verdict. Their figures (the DCR distributions, the closest training images) are in the
"Figures" section like every metric figure. Runs evaluated without them get no section.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from ganzoo.metrics.privacy import partial_training
from ganzoo.report.format import fmt
from ganzoo.report.page import table

#: Below this share of the generated samples in independent draws, the DCR share gets a caveat.
FEW_DRAWS = 0.1
#: From this ``distance_ratio`` on, the caveat blames the samples' distance from the data.
FAR_FROM_DATA = 1.5
#: Above this sd the DCR share or the AUC cannot tell 0.5 from the ends of the band 0.45-0.55
#: (nor, with the flag rule's two standard errors, flag less than 0.7).
LITTLE_POWER_SD = 0.1
#: Privacy results in the order shown, with what the value is compared with.
RESULTS = {
    "dcr_share": "share of generated samples closer to training than to held-out data (size-balanced)",
    "exact_copy_rate": "share of generated samples identical to a training sample",
    "near_copy_rate": "share of generated samples nearer to a training sample than the threshold",
    "membership_auc": "AUC of a membership-inference attack given the generated samples",
}


def privacy_section(evaluation: Mapping[str, Any] | None) -> list[str]:
    """The section's HTML parts (nothing when ``eval.json`` has no privacy result)."""
    metrics = (evaluation or {}).get("metrics", {})
    found = {name: metrics[name] for name in RESULTS if isinstance(metrics.get(name), Mapping)}
    if not found:
        return []
    rows = []
    for name, entry in found.items():
        baseline = entry.get("holdout_rate", entry.get("ideal"))
        reference = f"held-out {fmt(baseline)}" if "holdout_rate" in entry else f"ideal {fmt(baseline)}"
        if entry.get("count") and "training_share" in entry:
            reference += f"; DCR share of the close samples {fmt(entry['training_share'])} (ideal 0.5)"
        rows.append((name, entry.get("value"), entry.get("sd"), reference, "yes" if entry.get("flagged") else "no",
                     RESULTS[name]))
    flagged = [name for name, entry in found.items() if entry.get("flagged")]
    first = next(iter(found.values()))
    if flagged:
        verdict = (f"<p><strong>Signs of memorisation</strong> ({escape(', '.join(flagged))}): generated samples "
                   "sit closer to training samples than unseen real samples do. Do not share them as "
                   "anonymous data.</p>")
    else:
        verdict = "<p>No sign of memorisation in these tests.</p>"
    caveat = (_few_draws(found.get("dcr_share", {})) or _little_power(found)) + _held_out_unlike_training(first)
    if partial := partial_training(first):
        caveat.append(f"<p>{escape(partial[0].upper() + partial[1:])}.</p>")
    protocol = (f'<p class="note">Held-out split {escape(str(first.get("split", "?")))} '
                f'({escape(str(first.get("n_real", "?")))} samples), training split '
                f'{escape(str(first.get("train_split", "?")))} ({escape(str(first.get("n_train", "?")))} samples), '
                f'{escape(str(first.get("n_fake", "?")))} generated samples; distance: '
                f'{escape(str(first.get("distance", "?")))}.</p>')
    return ["<h2>Privacy</h2>", verdict, *caveat,
            table(("result", "value", "sd", "compare with", "flagged", "what it is"), rows, numeric=(1, 2)),
            protocol]


def _little_power(found: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """A sentence when the DCR share or the AUC is too uncertain to judge (small held-out sets)."""
    wide = {name: entry["sd"] for name in ("dcr_share", "membership_auc")
            if isinstance((entry := found.get(name, {})).get("sd"), (int, float)) and entry["sd"] > LITTLE_POWER_SD}
    if not wide:
        return []
    first = next(iter(found.values()))
    n_real, n_train = first.get("n_real", "?"), first.get("n_train")
    sds = ", ".join(f"{name} sd {fmt(sd)}" for name, sd in wide.items())
    # the smaller of the two real sets limits both tests: more held-out samples help only while they are fewer
    remedy = ("A larger held-out split narrows them (ganzoo evaluate RUN --split val+test pools both held-out "
              "splits)." if not isinstance(n_real, int) or not isinstance(n_train, int) or n_real < n_train else
              f"The {n_train} training samples compared limit them as much; only more data narrows them.")
    return [f"<p>With {escape(str(n_real))} held-out samples these tests have little power ({escape(sds)}): a "
            "value anywhere near 0.5 is as likely from a generator that copies a little as from one that does "
            f"not, and only gross copying is flagged. {escape(remedy)}</p>"]


def _held_out_unlike_training(result: Mapping[str, Any]) -> list[str]:
    """A sentence when the dataset chose its held-out samples unlike its training samples."""
    how = result.get("held_out")
    if not how:
        return []
    return [f"<p>The held-out samples are {escape(str(how))}, not drawn like the training samples. The "
            "ideals above (0.5) assume they are, so these results also measure how the held-out samples "
            "differ from the training ones. For a privacy check, hold out samples drawn like the training ones "
            "(a random split of independent samples).</p>"]


def _few_draws(dcr: Mapping[str, Any]) -> list[str]:
    """A sentence when the generated samples are so alike that the DCR share is a few draws."""
    draws, n = dcr.get("independent_draws"), dcr.get("n_fake")
    if not isinstance(draws, (int, float)) or not isinstance(n, int) or draws >= FEW_DRAWS * n:
        return []
    ratio = dcr.get("distance_ratio")
    if isinstance(ratio, (int, float)) and ratio >= FAR_FROM_DATA:
        why = (f"they lie {ratio:.1f} times as far from the training samples as held-out samples do, and "
               "samples far from all real data have the same few real samples as their closest")
    else:
        why = "they are few kinds"
    return [f"<p>The {n} generated samples share their closest real samples so often that the DCR share "
            f"rests on about {draws:.0f} independent draws (sd {fmt(dcr.get('sd'))}): {why}. The share "
            "cannot tell a generator that copies from one that does not here; judge this run by the copy "
            "rates and the membership AUC, and look at its samples.</p>"]

